using Spotter.Boxes;
using Spotter.Data.Loading;
using static TorchSharp.torch;

namespace Spotter.Models.Ssd;

/// <summary>
/// The detector's training loss (lesson 9): anchors are matched to the true boxes
/// (<see cref="IAnchorMatcher"/>); focal loss on the class logits of every anchor that is not
/// ignored, and on the matched ones either smooth L1 on the encoded offsets or
/// <see cref="BoxLossKind.Giou"/> (weight x (1 - GIoU) of the decoded box with its true box); the
/// sum over the batch divided by the number of matched anchors. With
/// <see cref="ClassLossKind.Quality"/> a matched anchor's class target is the IoU of its decoded
/// box with its true box (no gradient flows through that target).
/// </summary>
public sealed class DetectionLoss(IAnchorMatcher matcher, IBoxCoder coder, DetectorOptions options)
{
    /// <param name="logits">N x A x C class logits.</param>
    /// <param name="deltas">N x A x 4 box activations.</param>
    /// <param name="anchors">The A anchors, on the outputs' device.</param>
    public Tensor Compute(Tensor logits, Tensor deltas, AnchorSet anchors, Batch batch)
    {
        using var scope = NewDisposeScope();
        var device = logits.device;
        var classCount = logits.shape[2];
        var total = zeros(1, dtype: logits.dtype, device: device);
        var positives = zeros(1, device: device);
        for (var i = 0; i < batch.Count; i++)
        {
            // Everything stays on the device (no per-image read-back); an image without matches
            // simply contributes empty index sets.
            var truth = BoxesTensor(batch.Boxes[i], device);
            var matched = matcher.Match(truth, anchors);
            var anchorIndex = (matched >= 0).nonzero().flatten();
            var truthIndex = matched.index_select(0, anchorIndex);
            var classes = tensor(batch.Classes[i].Select(c => (long)c).ToArray(), ScalarType.Int64, device: device).index_select(0, truthIndex);
            using var matchedAnchors = anchors.Select(anchorIndex);
            var matchedDeltas = deltas[i].index_select(0, anchorIndex);
            var matchedTruth = truth.index_select(0, truthIndex);
            var targets = zeros(anchors.Count, classCount, device: device);
            targets.index_put_(ClassTargets(matchedDeltas, matchedTruth, matchedAnchors), anchorIndex, classes);
            total += BoxLoss(matchedDeltas, matchedTruth, matchedAnchors);
            var considered = matched != AnchorMatcher.Ignore;
            total += FocalLoss.Compute(logits[i][considered], targets[considered], options.FocalAlpha, options.FocalGamma);
            positives += anchorIndex.shape[0];
        }
        return (total / positives.clamp_min(1)).squeeze().MoveToOuterDisposeScope();
    }

    /// <summary>What each matched anchor's class logit learns: 1, or the IoU its box reaches now.</summary>
    private Tensor ClassTargets(Tensor activations, Tensor truth, AnchorSet matchedAnchors)
    {
        if (options.ClassLoss == ClassLossKind.Focal) return ones(activations.shape[0], device: activations.device);
        using var _ = no_grad();
        // A floor keeps every matched anchor a positive (FocalLoss weighs targets > 0 as positives).
        return BoxOps.AlignedIou(coder.Decode(activations.detach().to(ScalarType.Float32), matchedAnchors), truth).clamp(1e-3, 1);
    }

    /// <summary>The summed box loss of matched anchors: their activations against their true boxes.</summary>
    private Tensor BoxLoss(Tensor activations, Tensor truth, AnchorSet matchedAnchors) => options.BoxLoss == BoxLossKind.Giou
        ? (1 - BoxOps.AlignedGiou(coder.Decode(activations, matchedAnchors), truth)).sum() * options.GiouWeight
        : nn.functional.smooth_l1_loss(activations, coder.Encode(truth, matchedAnchors), nn.Reduction.Sum, beta: options.SmoothL1Beta);

    private static Tensor BoxesTensor(Box[] boxes, Device device) =>
        boxes.Length == 0 ? zeros(0, 4, device: device) : tensor(boxes.SelectMany(b => new[] { b.X1, b.Y1, b.X2, b.Y2 }).ToArray(), [boxes.Length, 4], device: device);
}
