using Spotter.Runtime;
using static TorchSharp.torch;

namespace Spotter.Boxes;

/// <summary>
/// Box voting (Gidaris and Komodakis, 2015): NMS keeps the best-scoring box of a cluster and drops
/// the rest, though the others carry evidence about where the object is. Here each kept box becomes
/// the score-weighted mean of every box that votes for it: any anchor's box of the same class with a
/// score above the threshold and an IoU of at least <c>iou</c> with the kept box (itself included).
/// Scores and classes stay as they were.
/// </summary>
public static class BoxVoting
{
    /// <param name="kept">K x 4 boxes NMS kept.</param>
    /// <param name="keptClasses">their K class indices.</param>
    /// <param name="boxes">A x 4: every anchor's decoded box.</param>
    /// <param name="scores">A x C: every anchor's class scores (after the sigmoid).</param>
    /// <returns>The K refined boxes.</returns>
    public static Tensor Refine(Tensor kept, Tensor keptClasses, Tensor boxes, Tensor scores, double scoreThreshold, double iou)
    {
        using var scope = NewDisposeScope();
        if (kept.shape[0] == 0) return kept.clone().MoveToOuterDisposeScope();
        var votes = scores.t().index_select(0, keptClasses);                 // K x A: each anchor's score for the kept box's class
        var voting = (votes > Scalars.Of(scoreThreshold)).logical_and(BoxOps.Iou(kept, boxes) >= Scalars.Of(iou));
        var weights = votes * voting;
        var total = weights.sum(1, keepdim: true);
        // A degenerate kept box (no area after clipping) has no IoU even with itself: it stays.
        return where(total > Scalars.Of(0.0), weights.mm(boxes) / total.clamp_min(Scalars.Of(1e-12)), kept).MoveToOuterDisposeScope();
    }
}
