namespace Spotter.Evaluation;

/// <summary>Every detection metric Spotter reports, from one set of images.</summary>
public static class MeanAveragePrecision
{
    public static MapReport Evaluate(IReadOnlyList<EvaluatedImage> images, IReadOnlyList<string> classes, int maxDetections = 100)
    {
        var curves = new Dictionary<string, PrecisionRecall>();
        var ap50 = new Dictionary<string, double>();
        var ap07 = new List<double>();
        for (var c = 0; c < classes.Count; c++)
        {
            var curve = VocAveragePrecision.Curve(images, c);
            if (curve is null) continue;
            curves[classes[c]] = curve;
            ap50[classes[c]] = VocAveragePrecision.AllPoints(curve);
            ap07.Add(VocAveragePrecision.ElevenPoint(curve));
        }
        return new MapReport(
            ap50.Count == 0 ? 0 : ap50.Values.Average(),
            ap07.Count == 0 ? 0 : ap07.Average(),
            CocoAveragePrecision.Mean(images, classes.Count, CocoAveragePrecision.AreaRange.All, maxDetections) ?? 0,
            CocoAveragePrecision.Mean(images, classes.Count, CocoAveragePrecision.AreaRange.Small, maxDetections),
            CocoAveragePrecision.Mean(images, classes.Count, CocoAveragePrecision.AreaRange.Medium, maxDetections),
            CocoAveragePrecision.Mean(images, classes.Count, CocoAveragePrecision.AreaRange.Large, maxDetections),
            ap50, curves);
    }
}
