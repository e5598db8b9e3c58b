using Spotter.Boxes;
using Spotter.Models.Backbones;
using Spotter.Models.Ssd;
using Spotter.Models.Largest;
using TorchSharp;
using static TorchSharp.torch;

namespace Spotter.Models;

/// <summary>
/// The one place where a <see cref="ModelSpec"/> becomes a module: the recipes that pick each
/// model's parts (as torchvision's builder functions do for its detectors). Training builds on
/// the backbone's pretrained weights; loading a saved model builds the same structure untrained
/// and then reads model.bin into it.
/// </summary>
public static class ModelFactory
{
    /// <summary>A new model for training, on the backbone's pretrained weights (downloaded or converted on first use).</summary>
    public static IImageModel Create(ModelSpec spec) => Build(spec, BackboneCatalog.Create(spec.Backbone));

    /// <summary>The model's structure with untrained weights, for loading saved weights into.</summary>
    public static IImageModel CreateUntrained(ModelSpec spec) => Build(spec, BackboneCatalog.CreateUntrained(spec.Backbone));

    private static IImageModel Build(ModelSpec spec, Backbone body)
    {
        try
        {
            return spec.Task == ModelTask.Detect ? Ssd(spec, body) : Largest(spec, body);
        }
        catch
        {
            body.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The SSD-style detector. Default layout: the body's stages at strides 8, 16 and 32 plus one
    /// extra stride-2 block (64), the body's stages optionally through a feature pyramid. Lesson
    /// layout: three extra blocks after the last stage (lesson 9's 4x4, 2x2 and 1x1 at 224). Every
    /// level gets a head with the same anchors per cell.
    /// </summary>
    private static SsdModel Ssd(ModelSpec spec, Backbone body)
    {
        var options = spec.DetectorSettings;
        var lesson = options.Anchors == AnchorLayout.Lesson;
        int[] bodyLevels = lesson ? [] : [1, 2, 3];
        var extraCount = lesson ? 3 : 1;
        const int extraWidth = 256;
        var extras = Enumerable.Range(0, extraCount)
            .Select(i => (nn.Module<Tensor, Tensor>)ExtraBlock(i == 0 ? body.OutputChannels : extraWidth, extraWidth)).ToList();
        var anchors = new AnchorGenerator(options.Zooms, options.Ratios, options.Scale);
        var bodyChannels = bodyLevels.Select(i => body.StageChannels[i]).ToList();
        var neck = options.Neck == NeckKind.Fpn ? new FeaturePyramid(bodyChannels) : null;
        if (neck is not null) bodyChannels = [.. bodyChannels.Select(_ => FeaturePyramid.Width)];
        var levelChannels = bodyChannels.Concat(Enumerable.Repeat(extraWidth, extraCount));
        var heads = levelChannels.Select(c => new SsdHead(c, anchors.PerCell, spec.Classes.Count, options.HeadWidth, options.HeadDropout)).ToList();
        IBoxCoder coder = options.BoxCoder == BoxCoderKind.Lesson ? new LessonBoxCoder() : new SsdBoxCoder();
        IAnchorMatcher matcher = options.Matcher == AnchorMatchKind.Atss ? new AdaptiveAnchorMatcher() : new AnchorMatcher(options.PositiveIou, options.NegativeIou);
        var loss = new DetectionLoss(matcher, coder, options);
        var decoder = new DetectionDecoder(coder, spec.Classes, spec.InputSize, options);
        return new SsdModel(spec, body, bodyLevels, neck, extras, heads, anchors, loss, decoder);
    }

    /// <summary>3x3 stride-2 conv -> ReLU -> BatchNorm: halves the map, rounding up (7 -> 4).</summary>
    private static nn.Module<Tensor, Tensor> ExtraBlock(int inChannels, int outChannels) =>
        nn.Sequential(nn.Conv2d(inChannels, outChannels, 3, stride: 2, padding: 1), nn.ReLU(), nn.BatchNorm2d(outChannels));

    /// <summary>A largest-object model: the cells head, or the lessons' head for the task (always for classify-largest).</summary>
    private static LargestObjectModel Largest(ModelSpec spec, Backbone body)
    {
        var options = spec.LargestHead;
        if (options.BoxHead == BoxHeadKind.Cells && spec.Task != ModelTask.ClassifyLargest)
        {
            var classes = spec.Task == ModelTask.Largest ? spec.Classes.Count : 0;
            return new LargestObjectModel(spec, body, null, new CellVoteHead(body.StageChannels, classes, options.HeadDropout, options.CellsWidth));
        }
        var head = LargestObjectHeads.Create(spec.Task, body.OutputChannels, spec.InputSize / 32, spec.Classes.Count, options.HeadDropout);
        return new LargestObjectModel(spec, body, head, null);
    }
}
