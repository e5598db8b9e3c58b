using Spotter.Training;

namespace Spotter.Tests.Training;

public sealed class ScheduleTests
{
    [Fact]
    public void One_cycle_rises_from_a_25th_to_the_maximum_then_falls_far_below()
    {
        Assert.Equal(1.0 / 25, Schedules.OneCycle(0), 12);
        Assert.Equal(1.0, Schedules.OneCycle(0.3), 12);
        Assert.Equal((1.0 / 25 + 1) / 2, Schedules.OneCycle(0.15), 12); // cosine midpoint of the warm-up
        Assert.Equal(1.0 / (25 * 1e4), Schedules.OneCycle(1), 12);
        Assert.True(Schedules.OneCycle(0.65) < 1 && Schedules.OneCycle(0.65) > Schedules.OneCycle(0.9));
    }

    [Fact]
    public void Sgdr_restarts_at_the_end_of_each_cycle_and_cycles_double()
    {
        Assert.Equal(1.0, Schedules.Sgdr(0), 12);
        Assert.Equal(0.5, Schedules.Sgdr(0.5), 12);   // halfway through the 1-epoch first cycle
        Assert.Equal(1.0, Schedules.Sgdr(1), 12);     // restart
        Assert.Equal(0.5, Schedules.Sgdr(2), 12);     // halfway through the 2-epoch second cycle
        Assert.Equal(1.0, Schedules.Sgdr(3), 12);     // restart; third cycle is 4 epochs
        Assert.Equal(0.5, Schedules.Sgdr(5), 12);
    }

    [Fact]
    public void One_cycle_momentum_falls_while_the_rate_rises_and_climbs_back_while_it_falls()
    {
        Assert.Equal(0.95, Schedules.OneCycleMomentum(0), 12);
        Assert.Equal(0.90, Schedules.OneCycleMomentum(0.15), 12);
        Assert.Equal(0.85, Schedules.OneCycleMomentum(0.3), 12);
        Assert.Equal(0.95, Schedules.OneCycleMomentum(1), 12);
        Assert.Equal(0.85, new LrSchedule(ScheduleKind.OneCycle, CycleMomentum: true).Momentum(30, 101) ?? 0, 12);
        Assert.Null(LrSchedule.OneCycle.Momentum(30, 101));                                         // off unless asked
        Assert.Null(new LrSchedule(ScheduleKind.Sgdr, CycleMomentum: true).Momentum(30, 101));      // one-cycle only
    }

    [Fact]
    public void Schedule_factors_per_step()
    {
        Assert.Equal(1.0, LrSchedule.Constant.Factor(17, 100, 10));
        Assert.Equal(1.0 / 25, LrSchedule.OneCycle.Factor(0, 100, 10), 12);
        Assert.Equal(0.5, LrSchedule.Sgdr().Factor(5, 100, 10), 12);
    }

    [Fact]
    public void Unfrozen_layer_groups_learn_ratio_times_slower_than_the_next_and_the_head_at_half_the_rate()
    {
        static void Same(double[] expected, double[] actual) =>
            Assert.Equal(expected.Select(e => e.ToString("e10")), actual.Select(a => a.ToString("e10")));
        Same([5e-5, 5e-4, 5e-3], Trainer.UnfrozenRates(1e-2, 10));
        Same([5e-4 / 9, 5e-4 / 3, 5e-4], Trainer.UnfrozenRates(1e-3, 3));
        Same([5e-3, 5e-3, 5e-3], Trainer.UnfrozenRates(1e-2, 1));
    }
}
