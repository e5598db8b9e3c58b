using Spotter.Models;
using Spotter.Models.Ssd;
using static TorchSharp.torch;

namespace Spotter.Tests.Models;

/// <summary>The detector's feature-pyramid neck (<c>--neck fpn</c>).</summary>
public sealed class FeaturePyramidTests
{
    [Fact]
    public void Each_level_gets_its_projection_plus_every_coarser_level_upsampled_by_repetition()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var pyramid = new FeaturePyramid([1, 1, 1]);
        // Laterals: the finest and middle levels project to the constants 1 and 10 (zero weights);
        // the coarsest copies its one input channel into every output channel, plus 100.
        var lateral = pyramid.Lateral;
        lateral[0].weight!.zero_(); lateral[0].bias!.fill_(1);
        lateral[1].weight!.zero_(); lateral[1].bias!.fill_(10);
        lateral[2].weight!.fill_(1); lateral[2].bias!.fill_(100);
        var coarse = tensor(new float[] { 1, 2, 3, 4 }).reshape(1, 1, 2, 2);
        var levels = pyramid.forward([zeros(1, 1, 8, 8), zeros(1, 1, 4, 4), coarse]);

        Assert.Equal([[1, 256, 8, 8], [1, 256, 4, 4], [1, 256, 2, 2]], levels.Select(l => l.shape).ToArray());
        Assert.Equal([101f, 102, 103, 104], levels[2][0, 7].flatten().data<float>().ToArray());
        // The middle level: 10 + the coarse map, each value repeated over 2 x 2 cells.
        Assert.Equal([111f, 111, 112, 112], levels[1][0, 0, 0].data<float>().ToArray());
        Assert.Equal([113f, 113, 114, 114], levels[1][0, 255, 3].data<float>().ToArray());
        // The finest: 1 + 10 + the coarse map repeated over 4 x 4 cells.
        Assert.Equal([112f, 112, 112, 112, 113, 113, 113, 113], levels[0][0, 0, 0].data<float>().ToArray());
        Assert.Equal([114f, 114, 114, 114, 115, 115, 115, 115], levels[0][0, 3, 7].data<float>().ToArray());
    }

    [Fact]
    public void A_detector_with_the_pyramid_saves_it_and_trains_it_with_the_head_while_the_body_is_frozen()
    {
        using var model = ModelFactory.Create(ModelSpec.For(ModelTask.Detect, "tiny", ["a", "b"], 64, detector: new DetectorOptions { Neck = NeckKind.Fpn }));
        var names = model.Module.state_dict().Keys.ToList();
        Assert.Equal(3, names.Count(n => n.StartsWith("neck.lateral.") && n.EndsWith(".weight")));
        using var plain = ModelFactory.Create(ModelSpec.For(ModelTask.Detect, "tiny", ["a", "b"], 64));
        Assert.DoesNotContain(plain.Module.state_dict().Keys, n => n.StartsWith("neck."));

        var headGroup = model.LayerGroups[^1];
        Assert.Contains(headGroup, m => m is FeaturePyramid);
        // The same anchors either way: the pyramid keeps every map's size.
        Assert.Equal(((Spotter.Models.Ssd.SsdModel)plain).AnchorCount, ((Spotter.Models.Ssd.SsdModel)model).AnchorCount);
    }
}
