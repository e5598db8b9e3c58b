namespace Spotter.Evaluation;

/// <summary>
/// Pascal VOC's average precision at IoU 0.5, as the devkit computes it: detections of a class
/// sorted by score; each one is a true positive if it overlaps an unclaimed ground-truth box by
/// at least 0.5, a false positive otherwise (also when its box was already claimed); detections
/// on difficult objects count as neither, and difficult objects are not in the recall's
/// denominator. VOC has no crowd regions; for data that has them (COCO), a detection that is not
/// a true positive and lies at least half inside a crowd region is ignored, as COCO does.
/// </summary>
public static class VocAveragePrecision
{
    /// <summary>The precision-recall curve of one class, or null when it has no (non-difficult) ground truth.</summary>
    public static PrecisionRecall? Curve(IReadOnlyList<EvaluatedImage> images, int classIndex, double iouThreshold = 0.5)
    {
        var truths = images.Select(im => im.Truth.Where(t => t.ClassIndex == classIndex).ToList()).ToList();
        var positives = truths.Sum(t => t.Count(b => !b.Difficult && !b.Crowd));
        if (positives == 0) return null;
        var claimed = truths.Select(t => new bool[t.Count]).ToList();
        var detections = images
            .SelectMany((im, i) => im.Detections.Where(d => d.ClassIndex == classIndex).Select(d => (Image: i, d.Box, d.Score)))
            .OrderByDescending(d => d.Score).ToList();

        var recall = new List<double>();
        var precision = new List<double>();
        int tp = 0, fp = 0;
        foreach (var d in detections)
        {
            var candidates = truths[d.Image];
            var best = -1;
            var bestIou = 0.0;
            for (var g = 0; g < candidates.Count; g++)
            {
                if (candidates[g].Crowd) continue;
                double iou = d.Box.Iou(candidates[g].Box);
                if (iou > bestIou) (bestIou, best) = (iou, g);
            }
            if (best >= 0 && bestIou >= iouThreshold && candidates[best].Difficult) continue;
            if (best >= 0 && bestIou >= iouThreshold && !claimed[d.Image][best])
            {
                claimed[d.Image][best] = true;
                tp++;
            }
            else if (candidates.Any(t => t.Crowd && d.Box.Intersection(t.Box) / Math.Max(d.Box.Area, 1e-12) >= iouThreshold))
            {
                continue;
            }
            else fp++;
            recall.Add((double)tp / positives);
            precision.Add((double)tp / (tp + fp));
        }
        return new PrecisionRecall(recall, precision);
    }

    /// <summary>Area under the precision envelope (VOC 2010 and later, "all points").</summary>
    public static double AllPoints(PrecisionRecall curve)
    {
        var recall = new List<double> { 0 };
        recall.AddRange(curve.Recall);
        recall.Add(1);
        var precision = new List<double> { 0 };
        precision.AddRange(curve.Precision);
        precision.Add(0);
        for (var i = precision.Count - 2; i >= 0; i--) precision[i] = Math.Max(precision[i], precision[i + 1]);
        var ap = 0.0;
        for (var i = 1; i < recall.Count; i++)
            if (recall[i] != recall[i - 1]) ap += (recall[i] - recall[i - 1]) * precision[i];
        return ap;
    }

    /// <summary>VOC 2007's 11-point interpolation: the mean over recall 0, 0.1 ... 1 of the best precision at that recall or more.</summary>
    public static double ElevenPoint(PrecisionRecall curve)
    {
        var ap = 0.0;
        for (var t = 0; t <= 10; t++)
        {
            var best = 0.0;
            for (var i = 0; i < curve.Recall.Count; i++)
                if (curve.Recall[i] >= t / 10.0 - 1e-12) best = Math.Max(best, curve.Precision[i]);
            ap += best / 11;
        }
        return ap;
    }
}
