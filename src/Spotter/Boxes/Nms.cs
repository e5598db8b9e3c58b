using Spotter.Runtime;
using static TorchSharp.torch;

namespace Spotter.Boxes;

/// <summary>
/// Greedy non-maximum suppression: keep the best-scoring box, drop every box overlapping it by
/// more than the threshold, repeat. The IoU matrix is computed once in libtorch and read once;
/// the greedy pass then runs over plain memory (TorchVision's nms reads back one tensor element
/// per kept box). <see cref="Batched"/> runs it per class, so classes never suppress each other.
/// </summary>
public static class Nms
{
    /// <summary>Indices of the kept boxes (N x 4 corners, N scores), best first.</summary>
    public static Tensor Greedy(Tensor boxes, Tensor scores, double iouThreshold)
    {
        using var scope = NewDisposeScope();
        var n = (int)boxes.shape[0];
        if (n == 0) return empty(0, ScalarType.Int64, device: boxes.device).MoveToOuterDisposeScope();
        var order = scores.argsort(descending: true);
        var sorted = boxes.index_select(0, order);
        var overlaps = (BoxOps.Iou(sorted, sorted) > Scalars.Of(iouThreshold)).to(ScalarType.Byte).cpu().data<byte>().ToArray();
        var removed = new bool[n];
        var kept = new List<long>();
        for (var i = 0; i < n; i++)
        {
            if (removed[i]) continue;
            kept.Add(i);
            var row = i * n;
            for (var j = i + 1; j < n; j++)
                if (overlaps[row + j] != 0) removed[j] = true;
        }
        return order.index_select(0, tensor(kept.ToArray(), device: order.device)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Class-aware NMS: for each class, the <paramref name="topK"/> best boxes go through
    /// <see cref="Greedy"/>; the survivors of all classes are returned best first, at most
    /// <paramref name="maxDetections"/>.
    /// </summary>
    public static Tensor Batched(Tensor boxes, Tensor scores, Tensor classes, double iouThreshold, int topK = 400, int maxDetections = 100)
    {
        using var scope = NewDisposeScope();
        var keptIndices = new List<Tensor>();
        foreach (var c in classes.unique().output.cpu().data<long>().ToArray())
        {
            var members = classes.eq(Scalars.Of(c)).nonzero().flatten();
            var memberScores = scores.index_select(0, members);
            if (members.shape[0] > topK)
            {
                var (_, best) = memberScores.topk(topK);
                members = members.index_select(0, best);
                memberScores = scores.index_select(0, members);
            }
            var kept = Greedy(boxes.index_select(0, members), memberScores, iouThreshold);
            keptIndices.Add(members.index_select(0, kept));
        }
        if (keptIndices.Count == 0) return empty(0, ScalarType.Int64, device: boxes.device).MoveToOuterDisposeScope();
        var all = cat(keptIndices);
        var order = scores.index_select(0, all).argsort(descending: true);
        return all.index_select(0, order)[..Math.Min(maxDetections, (int)all.shape[0])].MoveToOuterDisposeScope();
    }
}
