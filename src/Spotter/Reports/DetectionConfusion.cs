using Spotter.Data;

namespace Spotter.Reports;

/// <summary>
/// A detector's confusion matrix with a background row and column, at a display threshold: each
/// image's detections (best first) are matched greedily to a still-free ground-truth box of any
/// class at IoU 0.5 or more. Matched pairs count as (true class, predicted class); an object no
/// detection matches is (class, background), a missed object; a detection that matches nothing
/// is (background, class), a false detection. Difficult and crowd objects count like others.
/// </summary>
public sealed class DetectionConfusion
{
    public const double MatchIou = 0.5;

    private DetectionConfusion(IReadOnlyList<string> labels, int[,] counts, IReadOnlyList<ImageOutcome> images)
    {
        Labels = labels;
        Counts = counts;
        Images = images;
    }

    /// <summary>The classes, then "background" (the last row and column).</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>Counts[true, predicted] over <see cref="Labels"/>.</summary>
    public int[,] Counts { get; }

    /// <summary>Per image: missed objects and false detections (with the highest false score).</summary>
    public IReadOnlyList<ImageOutcome> Images { get; }

    public sealed record ImageOutcome(ImageRecord Image, IReadOnlyList<Detection> Detections, int Missed, int FalseDetections, float WorstFalseScore);

    public static DetectionConfusion Build(IReadOnlyList<ImageRecord> images, IReadOnlyList<IReadOnlyList<Detection>> found, IReadOnlyList<string> classes, float threshold)
    {
        var background = classes.Count;
        var counts = new int[classes.Count + 1, classes.Count + 1];
        var outcomes = new List<ImageOutcome>(images.Count);
        for (var i = 0; i < images.Count; i++)
        {
            var truth = images[i].Objects;
            var taken = new bool[truth.Count];
            var detections = found[i].Where(d => d.Score >= threshold).OrderByDescending(d => d.Score).ToList();
            int falseCount = 0;
            var worstFalse = 0f;
            foreach (var d in detections)
            {
                var best = -1;
                var bestIou = MatchIou;
                for (var g = 0; g < truth.Count; g++)
                {
                    if (taken[g]) continue;
                    var iou = d.Box.Iou(truth[g].Box);
                    if (iou < bestIou) continue;
                    (best, bestIou) = (g, iou);
                }
                if (best < 0)
                {
                    counts[background, d.ClassIndex]++;
                    falseCount++;
                    worstFalse = Math.Max(worstFalse, d.Score);
                    continue;
                }
                taken[best] = true;
                counts[truth[best].ClassIndex, d.ClassIndex]++;
            }
            var missed = 0;
            for (var g = 0; g < truth.Count; g++)
                if (!taken[g])
                {
                    counts[truth[g].ClassIndex, background]++;
                    missed++;
                }
            outcomes.Add(new ImageOutcome(images[i], detections, missed, falseCount, worstFalse));
        }
        return new DetectionConfusion([.. classes, "background"], counts, outcomes);
    }

    /// <summary>The images the model gets most wrong: most missed objects, then the most confident false detection.</summary>
    public IReadOnlyList<ImageOutcome> Worst(int count) =>
        Images.Where(o => o.Missed > 0 || o.FalseDetections > 0)
            .OrderByDescending(o => o.Missed).ThenByDescending(o => o.WorstFalseScore).ThenBy(o => o.Image.Id, StringComparer.Ordinal)
            .Take(count).ToList();
}
