using static TorchSharp.torch;

namespace Spotter.Boxes;

/// <summary>
/// Greedy non-maximum suppression: keep the best-scoring box, drop every box of its class that
/// overlaps it by more than the threshold, repeat. One pass for all classes: the candidates are
/// sorted once in libtorch, read back once, and the greedy loop runs over plain memory, comparing
/// a box only with the boxes kept before it (so it stops after <c>maxDetections</c> are kept, and
/// never builds an IoU matrix). TorchVision's nms reads back one tensor element per kept box.
/// </summary>
public static class Nms
{
    /// <summary>Indices of the kept boxes (N x 4 corners, N scores), best first; one class.</summary>
    public static Tensor Greedy(Tensor boxes, Tensor scores, double iouThreshold) =>
        Run(boxes, scores, null, iouThreshold, int.MaxValue, int.MaxValue);

    /// <summary>
    /// Class-aware NMS: classes never suppress each other; of each class only its
    /// <paramref name="topK"/> best boxes are considered; at most <paramref name="maxDetections"/>
    /// survivors of all classes are returned, best first.
    /// </summary>
    public static Tensor Batched(Tensor boxes, Tensor scores, Tensor classes, double iouThreshold, int topK = 400, int maxDetections = 100) =>
        Run(boxes, scores, classes, iouThreshold, topK, maxDetections);

    private static Tensor Run(Tensor boxes, Tensor scores, Tensor? classes, double iouThreshold, int topK, int maxDetections)
    {
        using var scope = NewDisposeScope();
        var n = (int)boxes.shape[0];
        if (n == 0) return empty(0, ScalarType.Int64, device: boxes.device).MoveToOuterDisposeScope();
        var order = scores.argsort(descending: true);
        var sorted = boxes.index_select(0, order).to(float32).cpu().contiguous().data<float>().ToArray();
        var labels = classes?.index_select(0, order).cpu().to(ScalarType.Int64).data<long>().ToArray();
        var kept = Select(sorted, labels, (float)iouThreshold, topK, maxDetections);
        using var keptIndex = tensor(kept, device: order.device);
        return order.index_select(0, keptIndex).MoveToOuterDisposeScope();
    }

    /// <summary>The greedy pass over boxes sorted best first (x1, y1, x2, y2 per box); returns positions in that order.</summary>
    private static long[] Select(float[] b, long[]? labels, float threshold, int topK, int maxDetections)
    {
        var n = b.Length / 4;
        var kept = new List<long>();
        var seen = new Dictionary<long, int>();
        for (var i = 0; i < n && kept.Count < maxDetections; i++)
        {
            var label = labels?[i] ?? 0;
            var rank = seen.TryGetValue(label, out var r) ? r : 0;
            seen[label] = rank + 1;
            if (rank >= topK) continue; // beyond its class's best topK: never considered
            var suppressed = false;
            foreach (var k in kept)
            {
                if ((labels?[k] ?? 0) != label) continue;
                if (Iou(b, (int)k, i) > threshold)
                {
                    suppressed = true;
                    break;
                }
            }
            if (!suppressed) kept.Add(i);
        }
        return kept.ToArray();
    }

    // As BoxOps.Iou: intersection over union, the union kept above 1e-9.
    private static float Iou(float[] b, int p, int q)
    {
        float w = Math.Max(0, Math.Min(b[4 * p + 2], b[4 * q + 2]) - Math.Max(b[4 * p], b[4 * q]));
        float h = Math.Max(0, Math.Min(b[4 * p + 3], b[4 * q + 3]) - Math.Max(b[4 * p + 1], b[4 * q + 1]));
        var intersection = w * h;
        var areaP = Math.Max(0, b[4 * p + 2] - b[4 * p]) * Math.Max(0, b[4 * p + 3] - b[4 * p + 1]);
        var areaQ = Math.Max(0, b[4 * q + 2] - b[4 * q]) * Math.Max(0, b[4 * q + 3] - b[4 * q + 1]);
        return intersection / Math.Max(areaP + areaQ - intersection, 1e-9f);
    }
}
