using Spotter.Boxes;

namespace Spotter.Inference;

/// <summary>
/// Test-time flip: an image's detections merged with those of its mirror image (left-right).
/// Detector: the two lists are pooled and fused, weighted-box-fusion style: best first, each box
/// takes the still-free boxes of its class overlapping it by <see cref="FuseIou"/> or more, the
/// fused box is their score-weighted mean and its score the mean over the two views of each view's
/// best score (a box only one view found keeps half its score). Largest-object models: the two
/// boxes are averaged when the classes agree, else the more confident answer is kept.
/// </summary>
public static class FlipMerge
{
    public const float FuseIou = 0.55f;

    /// <summary>A detection of the mirrored input mapped back onto the input (input pixels, S wide).</summary>
    public static Detection Unmirror(Detection d, int inputSize) =>
        d with { Box = new Box(inputSize - d.Box.X2, d.Box.Y1, inputSize - d.Box.X1, d.Box.Y2) };

    /// <summary>Mirrors count images of 3 x S x S bytes left-right into <paramref name="destination"/>.</summary>
    public static void MirrorPlanes(ReadOnlySpan<byte> pixels, int count, int size, Span<byte> destination)
    {
        for (var row = 0; row < count * 3 * size; row++)
        {
            var target = destination.Slice(row * size, size);
            pixels.Slice(row * size, size).CopyTo(target);
            target.Reverse();
        }
    }

    public static IReadOnlyList<Detection> Merge(IReadOnlyList<Detection> original, IReadOnlyList<Detection> mirroredBack, ModelTask task, int maxDetections = 100)
    {
        if (task != ModelTask.Detect) return MergeLargest(original, mirroredBack);
        var pool = original.Select(d => (Detection: d, View: 0)).Concat(mirroredBack.Select(d => (Detection: d, View: 1)))
            .OrderByDescending(p => p.Detection.Score).ToList();
        var used = new bool[pool.Count];
        var fused = new List<Detection>();
        for (var i = 0; i < pool.Count && fused.Count < maxDetections; i++)
        {
            if (used[i]) continue;
            var lead = pool[i].Detection;
            var cluster = new List<(Detection Detection, int View)> { pool[i] };
            used[i] = true;
            for (var j = i + 1; j < pool.Count; j++)
                if (!used[j] && pool[j].Detection.ClassIndex == lead.ClassIndex && pool[j].Detection.Box.Iou(lead.Box) >= FuseIou)
                {
                    cluster.Add(pool[j]);
                    used[j] = true;
                }
            var weight = cluster.Sum(c => c.Detection.Score);
            var box = new Box(
                cluster.Sum(c => c.Detection.Score * c.Detection.Box.X1) / weight, cluster.Sum(c => c.Detection.Score * c.Detection.Box.Y1) / weight,
                cluster.Sum(c => c.Detection.Score * c.Detection.Box.X2) / weight, cluster.Sum(c => c.Detection.Score * c.Detection.Box.Y2) / weight);
            var score = (cluster.Where(c => c.View == 0).Select(c => c.Detection.Score).DefaultIfEmpty(0).Max()
                         + cluster.Where(c => c.View == 1).Select(c => c.Detection.Score).DefaultIfEmpty(0).Max()) / 2;
            fused.Add(lead with { Box = box, Score = score });
        }
        return fused.OrderByDescending(d => d.Score).ToList();
    }

    private static IReadOnlyList<Detection> MergeLargest(IReadOnlyList<Detection> original, IReadOnlyList<Detection> mirroredBack)
    {
        if (original.Count == 0 || mirroredBack.Count == 0) return original.Count > 0 ? original : mirroredBack;
        var (a, b) = (original[0], mirroredBack[0]);
        if (a.ClassIndex != b.ClassIndex) return [a.Score >= b.Score ? a : b];
        var box = new Box((a.Box.X1 + b.Box.X1) / 2, (a.Box.Y1 + b.Box.Y1) / 2, (a.Box.X2 + b.Box.X2) / 2, (a.Box.Y2 + b.Box.Y2) / 2);
        return [a with { Box = box, Score = (a.Score + b.Score) / 2 }];
    }
}
