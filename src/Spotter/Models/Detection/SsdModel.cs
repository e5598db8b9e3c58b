using Spotter.Boxes;
using Spotter.Data.Loading;
using Spotter.Models.Backbones;
using Spotter.Training;
using Spotter.Visualization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Spotter.Models.Detection;

/// <summary>
/// An SSD-style detector (lesson 9, second half): a pretrained body, extra stride-2 blocks,
/// one <see cref="SsdHead"/> per feature map, anchors matched to ground truth by IoU, focal loss
/// on the classes and smooth L1 on the box offsets of matched anchors, both divided by the
/// number of matched anchors. Output: N x A x (C + 4), class logits then box activations.
/// </summary>
public sealed class SsdModel : nn.Module<Tensor, Tensor>, IImageModel
{
    private readonly Backbone body;
    private readonly ModuleList<nn.Module<Tensor, Tensor>> extras;
    private readonly ModuleList<SsdHead> heads;
    private readonly Tensor _anchors;
    private readonly IBoxCoder _coder;
    private readonly AnchorMatcher _matcher;
    private readonly IReadOnlyList<IReadOnlyList<nn.Module>> _groups;
    private readonly bool _lessonLevels;

    public SsdModel(Backbone backbone, int classCount, int inputSize, DetectorSettings settings) : base(nameof(SsdModel))
    {
        body = backbone;
        ClassCount = classCount;
        InputSize = inputSize;
        Settings = settings;
        Spec = settings.AnchorSpecFor(inputSize);
        _lessonLevels = settings.Anchors == "lesson";
        var channels = backbone.StageChannels;
        // default: stages at strides 8, 16, 32 plus one extra block (64); lesson: three extra blocks
        // after the last stage (7 -> 4 -> 2 -> 1 at 224).
        var extraCount = _lessonLevels ? 3 : 1;
        extras = new ModuleList<nn.Module<Tensor, Tensor>>(Enumerable.Range(0, extraCount)
            .Select(i => (nn.Module<Tensor, Tensor>)ConvBlock(i == 0 ? channels[3] : 256, 256, stride: 2)).ToArray());
        var levelChannels = _lessonLevels ? new[] { 256, 256, 256 } : new[] { channels[1], channels[2], channels[3], 256 };
        heads = new ModuleList<SsdHead>(levelChannels.Select(c => new SsdHead(c, Spec.PerCell, classCount)).ToArray());
        RegisterComponents();
        _anchors = Anchors.Create(Spec, inputSize);
        _coder = settings.CoderFor(Spec, inputSize);
        _matcher = new AnchorMatcher(settings.PositiveIou, settings.NegativeIou);
        _groups = [.. backbone.LayerGroups, [extras, heads]];
    }

    public int ClassCount { get; }
    public int InputSize { get; }
    public DetectorSettings Settings { get; }
    public AnchorSpec Spec { get; }
    public nn.Module<Tensor, Tensor> Module => this;
    public IReadOnlyList<IReadOnlyList<nn.Module>> LayerGroups => _groups;

    private static Sequential ConvBlock(int inChannels, int outChannels, int stride) =>
        nn.Sequential(nn.Conv2d(inChannels, outChannels, 3, stride: stride, padding: 1), nn.ReLU(), nn.BatchNorm2d(outChannels));

    public override Tensor forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        var stages = body.Stages(images);
        var levels = new List<Tensor>();
        var x = stages[3];
        if (!_lessonLevels) levels.AddRange([stages[1], stages[2], stages[3]]);
        foreach (var extra in extras)
        {
            x = extra.forward(x);
            levels.Add(x);
        }
        var logits = new List<Tensor>();
        var deltas = new List<Tensor>();
        for (var i = 0; i < levels.Count; i++)
        {
            var (l, d) = heads[i].forward(levels[i]);
            logits.Add(l);
            deltas.Add(d);
        }
        return cat([cat(logits, 1), cat(deltas, 1)], 2).MoveToOuterDisposeScope();
    }

    public Tensor Loss(Tensor output, Batch batch)
    {
        using var scope = NewDisposeScope();
        var anchors = _anchors.to(output.device);
        var logits = output[.., .., ..ClassCount];
        var deltas = output[.., .., ClassCount..];
        var total = zeros(1, device: output.device);
        var positives = zeros(1, device: output.device);
        for (var i = 0; i < batch.Count; i++)
        {
            // Everything stays on the device (no per-image read-back); an image without matches
            // simply contributes empty index sets.
            var truth = BoxesTensor(batch.Boxes[i], output.device);
            var matched = _matcher.Match(truth, anchors);
            var anchorIndex = (matched >= 0).nonzero().flatten();
            var truthIndex = matched.index_select(0, anchorIndex);
            var classes = tensor(batch.Classes[i].Select(c => (long)c).ToArray(), ScalarType.Int64, device: output.device).index_select(0, truthIndex);
            var targets = zeros(anchors.shape[0], ClassCount, device: output.device);
            targets.index_put_(ones(anchorIndex.shape[0], device: output.device), anchorIndex, classes);
            var encoded = _coder.Subset(anchorIndex).Encode(truth.index_select(0, truthIndex), anchors.index_select(0, anchorIndex));
            total += nn.functional.smooth_l1_loss(deltas[i].index_select(0, anchorIndex), encoded, nn.Reduction.Sum, beta: 1.0 / 9);
            var considered = matched != AnchorMatcher.Ignore;
            total += FocalLoss.Compute(logits[i][considered], targets[considered], Settings.FocalAlpha, Settings.FocalGamma);
            positives += anchorIndex.shape[0];
        }
        return (total / positives.clamp_min(1)).squeeze().MoveToOuterDisposeScope();
    }

    public IMetrics NewMetrics() => new DetectionMetrics(this);

    public IReadOnlyList<IReadOnlyList<PredictedBox>> PredictBatch(Tensor images)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return Decode(forward(images)).Select(list => (IReadOnlyList<PredictedBox>)list.Select(d => new PredictedBox(d.ClassIndex, d.Box, d.Score)).ToList()).ToList();
    }

    public ModelInfo Describe(string backbone, IReadOnlyList<string> classes) => new()
    {
        Task = "detect",
        Backbone = backbone,
        Classes = classes,
        InputSize = InputSize,
        Detector = Settings,
    };

    /// <summary>Per image: detections in input pixels, best first, after score threshold and class-aware NMS.</summary>
    public IReadOnlyList<IReadOnlyList<(int ClassIndex, float Score, Box Box)>> Decode(Tensor output, double? scoreThreshold = null)
    {
        using var scope = NewDisposeScope();
        var anchors = _anchors.to(output.device);
        var threshold = scoreThreshold ?? Settings.ScoreThreshold;
        var result = new List<IReadOnlyList<(int, float, Box)>>();
        for (var i = 0; i < output.shape[0]; i++)
        {
            var scores = sigmoid(output[i, .., ..ClassCount]).flatten();
            var candidates = (scores > threshold).nonzero().flatten();
            if (candidates.shape[0] > 2000) candidates = candidates.index_select(0, scores.index_select(0, candidates).topk(2000).indexes);
            if (candidates.shape[0] == 0)
            {
                result.Add([]);
                continue;
            }
            var anchorIndex = candidates.div(ClassCount, RoundingMode.floor);
            var classes = candidates.remainder(ClassCount);
            var boxes = _coder.Subset(anchorIndex).Decode(output[i, .., ClassCount..].index_select(0, anchorIndex), anchors.index_select(0, anchorIndex)).clamp(0, InputSize);
            var candidateScores = scores.index_select(0, candidates);
            var kept = Nms.Batched(boxes, candidateScores, classes, Settings.NmsIou, maxDetections: Settings.MaxDetections);
            var keptBoxes = boxes.index_select(0, kept).cpu().data<float>().ToArray();
            var keptScores = candidateScores.index_select(0, kept).cpu().data<float>().ToArray();
            var keptClasses = classes.index_select(0, kept).cpu().data<long>().ToArray();
            result.Add(Enumerable.Range(0, keptScores.Length).Select(k => ((int)keptClasses[k], keptScores[k],
                new Box(keptBoxes[4 * k], keptBoxes[4 * k + 1], keptBoxes[4 * k + 2], keptBoxes[4 * k + 3]))).ToList());
        }
        return result;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _anchors.Dispose();
        base.Dispose(disposing);
    }

    private static Tensor BoxesTensor(Box[] boxes, Device device) =>
        boxes.Length == 0 ? zeros(0, 4, device: device) : tensor(boxes.SelectMany(b => new[] { b.X1, b.Y1, b.X2, b.Y2 }).ToArray(), [boxes.Length, 4], device: device);
}
