using Spotter.Training;

namespace Spotter.Tests.Training;

public sealed class GradientSpikesTests
{
    [Fact]
    public void Before_enough_history_only_a_non_finite_norm_is_suspect()
    {
        var spikes = new GradientSpikes();
        Assert.False(spikes.IsSuspect(1e30));
        Assert.True(spikes.IsSuspect(double.NaN));
        Assert.True(spikes.IsSuspect(double.PositiveInfinity));
    }

    [Fact]
    public void A_norm_far_above_the_recent_median_is_suspect_and_much_further_a_fault()
    {
        var spikes = new GradientSpikes();
        for (var i = 0; i < GradientSpikes.MinimumHistory; i++) spikes.Accept(4.0);

        Assert.False(spikes.IsSuspect(4.0 * GradientSpikes.Factor / 2));
        Assert.True(spikes.IsSuspect(4.0 * GradientSpikes.Factor * 2));
        Assert.False(spikes.IsFault(4.0 * GradientSpikes.Factor * 2));
        Assert.True(spikes.IsFault(4.0 * GradientSpikes.FaultFactor * 2));
    }

    [Fact]
    public void The_median_follows_the_last_window_of_steps_and_ignores_non_finite_ones()
    {
        var spikes = new GradientSpikes();
        for (var i = 0; i < GradientSpikes.Window; i++) spikes.Accept(1.0);
        for (var i = 0; i < GradientSpikes.Window; i++) spikes.Accept(1000.0);
        spikes.Accept(double.NaN);

        Assert.False(spikes.IsSuspect(1000.0 * GradientSpikes.Factor / 2)); // the median is now 1000, not 1
    }

    [Theory]
    [InlineData(100.0, 120.0, true)]
    [InlineData(100.0, 70.0, true)]
    [InlineData(1e20, 3e20, false)]
    [InlineData(1e20, 2.0, false)]
    [InlineData(double.NaN, double.NaN, false)]
    public void A_recomputed_gradient_repeats_when_it_comes_back_about_the_same_size(double first, double again, bool repeats) =>
        Assert.Equal(repeats, GradientSpikes.Repeats(first, again));
}
