using Spotter.Boxes;

namespace Spotter.Evaluation;

/// <summary>
/// COCO's average precision, as pycocotools defines it: per image and class the best
/// <c>maxDetections</c> detections are matched greedily by score at each IoU threshold
/// 0.50:0.05:0.95 to the best still-free ground truth (a crowd region can absorb any number of
/// detections, measured by intersection over the detection's area, and those detections are
/// ignored); ground truth outside the area range is ignored, and so are unmatched detections
/// outside it. Precision is made monotone and read at 101 recall points; AP is their mean, then
/// the mean over thresholds and over classes with ground truth.
/// </summary>
public static class CocoAveragePrecision
{
    public static readonly double[] IouThresholds = Enumerable.Range(0, 10).Select(i => 0.5 + 0.05 * i).ToArray();

    /// <summary>A range of box areas in pixels; the "all" range is [0, infinity).</summary>
    public readonly record struct AreaRange(double Min, double Max)
    {
        public static readonly AreaRange All = new(0, double.MaxValue);
        public static readonly AreaRange Small = new(0, Box.SmallArea);
        public static readonly AreaRange Medium = new(Box.SmallArea, Box.LargeArea);
        public static readonly AreaRange Large = new(Box.LargeArea, double.MaxValue);
        public bool Contains(double area) => area >= Min && area <= Max;
    }

    /// <summary>AP over IoU 0.5:0.95 averaged over the classes that have ground truth in the range; null when none has.</summary>
    public static double? Mean(IReadOnlyList<EvaluatedImage> images, int classCount, AreaRange range, int maxDetections = 100)
    {
        var perClass = Enumerable.Range(0, classCount).Select(c => ClassAp(images, c, range, maxDetections)).Where(ap => ap is not null).ToList();
        return perClass.Count == 0 ? null : perClass.Average(ap => ap!.Value);
    }

    /// <summary>One class's AP averaged over the ten IoU thresholds; null without ground truth in the range.</summary>
    public static double? ClassAp(IReadOnlyList<EvaluatedImage> images, int classIndex, AreaRange range, int maxDetections = 100)
    {
        var apPerThreshold = new double[IouThresholds.Length];
        var matchedPerThreshold = IouThresholds.Select(_ => new List<(float Score, bool Matched, bool Ignored)>()).ToArray();
        var groundTruthCount = 0;
        foreach (var image in images)
        {
            var truth = image.Truth.Where(t => t.ClassIndex == classIndex)
                .Select(t => (t.Box, t.Crowd, Ignored: t.Crowd || !range.Contains(t.Box.Area)))
                .OrderBy(t => t.Ignored).ToList();              // non-ignored first, as pycocotools sorts
            groundTruthCount += truth.Count(t => !t.Ignored);
            var detections = image.Detections.Where(d => d.ClassIndex == classIndex)
                .OrderByDescending(d => d.Score).Take(maxDetections).ToList();
            for (var k = 0; k < IouThresholds.Length; k++)
                matchedPerThreshold[k].AddRange(MatchImage(truth, detections, IouThresholds[k], range));
        }
        if (groundTruthCount == 0) return null;
        for (var k = 0; k < IouThresholds.Length; k++)
            apPerThreshold[k] = InterpolatedPrecision(matchedPerThreshold[k], groundTruthCount);
        return apPerThreshold.Average();
    }

    private static IEnumerable<(float Score, bool Matched, bool Ignored)> MatchImage(
        List<(Box Box, bool Crowd, bool Ignored)> truth, List<Detection> detections, double threshold, AreaRange range)
    {
        var taken = new bool[truth.Count];
        foreach (var d in detections)
        {
            var best = -1;
            var bestIou = Math.Min(threshold, 1 - 1e-10);
            for (var g = 0; g < truth.Count; g++)
            {
                if (taken[g] && !truth[g].Crowd) continue;
                // Once matched to a real object, never switch to an ignored one.
                if (best > -1 && !truth[best].Ignored && truth[g].Ignored) break;
                var iou = truth[g].Crowd
                    ? d.Box.Intersection(truth[g].Box) / Math.Max(d.Box.Area, 1e-12)
                    : d.Box.Iou(truth[g].Box);
                if (iou < bestIou) continue;
                bestIou = iou;
                best = g;
            }
            if (best < 0)
            {
                yield return (d.Score, false, !range.Contains(d.Box.Area));
                continue;
            }
            taken[best] = true;
            yield return (d.Score, true, truth[best].Ignored);
        }
    }

    // Precision at 101 recall points (0, 0.01 ... 1) on the monotone envelope, averaged.
    private static double InterpolatedPrecision(List<(float Score, bool Matched, bool Ignored)> detections, int groundTruthCount)
    {
        var ordered = detections.Where(d => !d.Ignored).OrderByDescending(d => d.Score).ToList(); // stable, like mergesort
        var recall = new double[ordered.Count];
        var precision = new double[ordered.Count];
        int tp = 0, fp = 0;
        for (var i = 0; i < ordered.Count; i++)
        {
            if (ordered[i].Matched) tp++; else fp++;
            recall[i] = (double)tp / groundTruthCount;
            precision[i] = tp / (tp + fp + double.Epsilon);
        }
        for (var i = precision.Length - 2; i >= 0; i--) precision[i] = Math.Max(precision[i], precision[i + 1]);
        var sum = 0.0;
        for (var r = 0; r <= 100; r++)
        {
            var at = Array.FindIndex(recall, x => x >= r / 100.0 - 1e-12); // searchsorted, side left
            if (at >= 0) sum += precision[at];
        }
        return sum / 101;
    }
}
