using Spotter.Models;
using Spotter.Models.Backbones;
using Spotter.Models.Ssd;
using Spotter.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Spotter.Tests.Models;

/// <summary>Channels-last computing (used for training on AMD Zen 5): same numbers as NCHW, other memory order.</summary>
public sealed class ChannelsLastTests
{
    private static bool IsChannelsLast(Tensor map) => map.stride(1) == 1 && !map.is_contiguous();

    private static double RelativeDifference(Tensor a, Tensor b) =>
        (a - b).abs().max().item<float>() / (double)b.abs().max().item<float>();

    [Fact]
    public void A_channels_last_backbone_computes_the_nchw_features_and_keeps_its_maps_channels_last()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var backbone = BackboneCatalog.Create("tiny");
        backbone.eval();
        var images = rand(2, 3, 64, 96, generator: new Generator(4));
        var nchw = backbone.Stages(images);
        backbone.ChannelsLast = true;
        var channelsLast = backbone.Stages(images);
        for (var i = 0; i < 4; i++)
        {
            Assert.True(nchw[i].is_contiguous(), $"stage {i} of the NCHW backbone");
            Assert.True(IsChannelsLast(channelsLast[i]), $"stage {i} of the channels-last backbone");
            Assert.True(RelativeDifference(channelsLast[i], nchw[i]) < 1e-4, $"stage {i}: {RelativeDifference(channelsLast[i], nchw[i]):E1}");
        }
    }

    [Fact]
    public void A_1x1_convolution_of_a_small_channels_last_map_matches_nchw_and_stays_channels_last()
    {
        // The shape Zen 5's channels-last 1x1 kernel got wrong by up to half the output's scale,
        // every time; Convolve computes it in NCHW. On other CPUs this checks the round trip.
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var generator = new Generator(17);
        using var conv = nn.Conv2d(512, 512, 1, bias: false);
        conv.weight!.copy_(randn(512, 512, 1, 1, generator: generator) * 0.05f);
        var map = randn(2, 512, 7, 7, generator: generator);
        var reference = conv.forward(map);
        var result = Backbone.Convolve(conv, map.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2));
        Assert.True(IsChannelsLast(result));
        Assert.True(RelativeDifference(result, reference) < 1e-4, $"{RelativeDifference(result, reference):E1}");
    }

    [Theory]
    [InlineData(NeckKind.None)]
    [InlineData(NeckKind.Fpn)]
    public void A_detector_answers_alike_in_both_orders_and_its_learner_sets_the_order(NeckKind neck)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var model = ModelFactory.Create(ModelSpec.For(ModelTask.Detect, "tiny", ["a", "b"], 64, detector: new DetectorOptions { Neck = neck }));
        model.Module.eval();
        var images = rand(2, 3, 64, 64, generator: new Generator(8));
        var nchw = model.Module.forward(images);
        Backbone.SetChannelsLast(model.Module, true);
        Assert.All(model.Module.modules().OfType<Backbone>(), b => Assert.True(b.ChannelsLast));
        var channelsLast = model.Module.forward(images);
        Assert.True(RelativeDifference(channelsLast, nchw) < 1e-4, $"{RelativeDifference(channelsLast, nchw):E1}");
    }

    [Theory]
    [InlineData("AuthenticAMD", 26, "avx2 avx512f", DeviceType.CPU, true)]
    [InlineData("AuthenticAMD", 26, "avx2 avx512f", DeviceType.CUDA, false)]
    [InlineData("AuthenticAMD", 25, "avx2 avx512f", DeviceType.CPU, false)]
    [InlineData("GenuineIntel", 6, "avx2 avx512f amx_bf16", DeviceType.CPU, false)]
    public void Training_computes_channels_last_only_on_the_cpu_with_faulty_nchw_kernels(string vendor, int family, string flags, DeviceType device, bool channelsLast)
    {
        var choice = TrainingKernels.For(device, new CpuFeatures("a CPU", flags.Split(' ').ToHashSet(), vendor, family));
        Assert.Equal(channelsLast, choice.ChannelsLast);
        Assert.Equal(channelsLast, choice.Note is not null);
    }
}
