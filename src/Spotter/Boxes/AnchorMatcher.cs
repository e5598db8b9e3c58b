using static TorchSharp.torch;

namespace Spotter.Boxes;

/// <summary>
/// Assigns ground-truth boxes to anchors by IoU (lesson 9 / SSD): every ground-truth box claims
/// the anchor it overlaps most (so no object goes unmatched), and every other anchor takes the
/// ground-truth box it overlaps most when that IoU reaches <see cref="PositiveIou"/>. Anchors
/// between <see cref="NegativeIou"/> and <see cref="PositiveIou"/> are ignored (neither object
/// nor background in the loss); below, they are background.
/// </summary>
public sealed record AnchorMatcher(double PositiveIou = 0.5, double NegativeIou = 0.4) : IAnchorMatcher
{
    public const long Background = -1;
    public const long Ignore = -2;

    public Tensor Match(Tensor groundTruth, AnchorSet anchors) => Match(groundTruth, anchors.Boxes);

    /// <summary>Per anchor (A): the index of its ground-truth box, <see cref="Background"/> or <see cref="Ignore"/>.</summary>
    public Tensor Match(Tensor groundTruth, Tensor anchors)
    {
        using var scope = NewDisposeScope();
        var count = anchors.shape[0];
        var device = anchors.device;
        if (groundTruth.shape[0] == 0) return full(count, Background, ScalarType.Int64, device: device).MoveToOuterDisposeScope();
        var iou = BoxOps.Iou(groundTruth, anchors);           // G x A
        var (bestIou, bestTruth) = iou.max(0);                 // per anchor
        var matched = bestTruth.clone();
        matched[bestIou < PositiveIou] = tensor(Ignore, device: device);
        matched[bestIou < NegativeIou] = tensor(Background, device: device);
        ClaimBestAnchors(matched, iou);
        return matched.MoveToOuterDisposeScope();
    }

    /// <summary>Each ground-truth box (row of the G x A <paramref name="iou"/>) claims its best anchor, whatever the IoU (later boxes win ties).</summary>
    internal static void ClaimBestAnchors(Tensor matched, Tensor iou)
    {
        using var scope = NewDisposeScope();
        matched[iou.argmax(1)] = arange(iou.shape[0], dtype: ScalarType.Int64, device: iou.device);
    }
}
