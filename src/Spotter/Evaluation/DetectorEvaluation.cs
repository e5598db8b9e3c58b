using Spotter.Boxes;
using Spotter.Data;
using Spotter.Inference;

namespace Spotter.Evaluation;

/// <summary>
/// Measures a detector (any <see cref="IDetector"/> backend) on annotated images, through the same
/// prediction path users call: every image decoded, squashed and run in batches, detections
/// compared with the truth in the image's own pixels.
/// </summary>
public static class DetectorEvaluation
{
    /// <summary>A split of a dataset, its classes renumbered to the model's; images the task cannot use are left out.</summary>
    /// <param name="unreadable">Told about each image left out because its file cannot be read (the message names it).</param>
    public static EvaluationReport Run(IDetector detector, Dataset dataset, string split, int batchSize = 16, Action<int, int>? progress = null,
        Action<string>? unreadable = null) =>
        Run(detector, ImagesToScore(detector.Info, dataset, split, unreadable), batchSize, progress);

    /// <summary>
    /// A split's images as a model scores them: in the model's class indices, those the task can use
    /// (a largest-object model needs an object), and whose file reads (the others go to <paramref name="unreadable"/>).
    /// </summary>
    public static IReadOnlyList<ImageRecord> ImagesToScore(DetectorInfo info, Dataset dataset, string split, Action<string>? unreadable = null)
    {
        var images = ToModelClasses(dataset, DatasetSplits.Select(dataset, split), info.Classes)
            .Where(r => Models.ModelSpec.CanUse(info.Task, r))
            .Where(r =>
            {
                if (ImageFile.ReadProblem(r.Path) is not { } problem) return true;
                unreadable?.Invoke(problem);
                return false;
            }).ToList();
        return images.Count > 0 ? images : throw new SpotterException($"{dataset.Source}: split '{split}' has no images to score");
    }

    /// <summary>Images whose class indices are the model's.</summary>
    public static EvaluationReport Run(IDetector detector, IReadOnlyList<ImageRecord> images, int batchSize = 16, Action<int, int>? progress = null) =>
        FromDetections(detector.Info, images, DetectAll(detector, images, batchSize, progress));

    /// <summary>Every image's detections at threshold 0 (what the metrics need), in batches.</summary>
    public static IReadOnlyList<IReadOnlyList<Detection>> DetectAll(IDetector detector, IReadOnlyList<ImageRecord> images, int batchSize = 16, Action<int, int>? progress = null)
    {
        var found = new List<IReadOnlyList<Detection>>(images.Count);
        foreach (var chunk in images.Chunk(Math.Max(1, batchSize)))
        {
            found.AddRange(detector.Detect(chunk.Select(i => i.Path).ToList(), threshold: 0));
            progress?.Invoke(found.Count, images.Count);
        }
        return found;
    }

    /// <summary>The report for detections already made (at threshold 0, in the images' pixels): what <c>eval</c> and the run report both compute.</summary>
    public static EvaluationReport FromDetections(DetectorInfo info, IReadOnlyList<ImageRecord> images, IReadOnlyList<IReadOnlyList<Detection>> found)
    {
        return info.Task == ModelTask.Detect
            ? new EvaluationReport(info.Task, images.Count, MeanAveragePrecision.Evaluate(images.Select((image, i) => Evaluated(image, found[i])).ToList(), info.Classes), null)
            : new EvaluationReport(info.Task, images.Count, null, LargestScores(info, images, found));
    }

    private static EvaluatedImage Evaluated(ImageRecord image, IReadOnlyList<Detection> detections) =>
        new(image.Objects.Select(o => new TruthBox(o.ClassIndex, o.Box, o.Difficult, o.Crowd)).ToList(), detections);

    /// <summary>The lessons' numbers, with boxes in input pixels as during training.</summary>
    private static LargestObjectScores LargestScores(DetectorInfo info, IReadOnlyList<ImageRecord> images, IReadOnlyList<IReadOnlyList<Detection>> found)
    {
        double correct = 0, l1 = 0, iou = 0;
        for (var i = 0; i < images.Count; i++)
        {
            var image = images[i];
            var truth = image.Largest!;
            var predicted = found[i][0];
            if (predicted.ClassIndex == truth.ClassIndex) correct++;
            var (sx, sy) = ((float)info.InputSize / image.Width, (float)info.InputSize / image.Height);
            Box p = predicted.Box.Scale(sx, sy), t = truth.Box.Scale(sx, sy);
            l1 += (Math.Abs(p.X1 - t.X1) + Math.Abs(p.Y1 - t.Y1) + Math.Abs(p.X2 - t.X2) + Math.Abs(p.Y2 - t.Y2)) / 4;
            iou += p.Iou(t);
        }
        var n = Math.Max(1, images.Count);
        return new LargestObjectScores(
            info.Task.PredictsClass() ? correct / n : double.NaN,
            info.Task.PredictsBox() ? l1 / n : double.NaN,
            info.Task.PredictsBox() ? iou / n : double.NaN);
    }

    /// <summary>
    /// Renumbers a dataset's objects to a model's class list, by name, so a model can be
    /// evaluated on data whose class order differs. A class the model does not know is an error.
    /// </summary>
    public static IReadOnlyList<ImageRecord> ToModelClasses(Dataset dataset, IReadOnlyList<ImageRecord> images, IReadOnlyList<string> modelClasses)
    {
        var map = dataset.Classes.Select(name => modelClasses.ToList().IndexOf(name)).ToArray();
        var unknown = dataset.Classes.Where((_, i) => map[i] < 0 && images.Any(im => im.Objects.Any(o => o.ClassIndex == i))).ToList();
        if (unknown.Count > 0)
            throw new SpotterException($"{dataset.Source}: class(es) {string.Join(", ", unknown)} are not among the model's classes ({string.Join(", ", modelClasses)})");
        return images.Select(im => im with { Objects = im.Objects.Select(o => o with { ClassIndex = map[o.ClassIndex] }).ToList() }).ToList();
    }
}
