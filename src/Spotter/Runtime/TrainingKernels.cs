using TorchSharp;

namespace Spotter.Runtime;

/// <summary>
/// The memory order training computes in: torch's NCHW, except on AMD Zen 5
/// (<see cref="CpuFeatures.HasFaultyBackwardConvolutions"/>). There libtorch 2.10's oneDNN NCHW
/// convolutions now and then return NaN or wrong gradients, while its channels-last ones, measured
/// on the same machine, returned no NaN and were 10 % faster (README, "AMD Zen 5"). Its channels-last
/// 1x1 kernel is wrong on small maps, which <see cref="Models.Backbones.Backbone.Convolve"/> avoids.
/// </summary>
public static class TrainingKernels
{
    /// <summary>What training computes in, and the line that says why (null where nothing is unusual).</summary>
    public sealed record Choice(bool ChannelsLast, string? Note)
    {
        public static readonly Choice Default = new(false, null);
    }

    public static Choice For(DeviceType device) => For(device, CpuFeatures.Current);

    public static Choice For(DeviceType device, CpuFeatures cpu) =>
        device == DeviceType.CPU && cpu.HasFaultyBackwardConvolutions
            ? new Choice(true, "This CPU (AMD family 1Ah) gets NaN from oneDNN's NCHW backward convolutions: training computes channels-last, where fp32 training showed none " +
                "(a step whose gradient is still not finite, or absurdly large, is computed again)")
            : Choice.Default;
}
