using Spotter.Boxes;

namespace Spotter.Evaluation;

/// <summary>A ground-truth object for evaluation. Difficult objects are neither required nor penalised (VOC); crowd regions absorb detections (COCO).</summary>
public sealed record TruthBox(int ClassIndex, Box Box, bool Difficult = false, bool Crowd = false);

/// <summary>One image's ground truth and detections.</summary>
public sealed record EvaluatedImage(IReadOnlyList<TruthBox> Truth, IReadOnlyList<Detection> Detections);

/// <summary>A class's precision-recall curve at IoU 0.5 (VOC matching), for pr_curves.png.</summary>
public sealed record PrecisionRecall(IReadOnlyList<double> Recall, IReadOnlyList<double> Precision);

/// <summary>
/// The detection metrics. Classes without ground truth are left out of every mean (and of
/// <see cref="PerClassAp50"/>); a size with no objects gives null.
/// </summary>
public sealed record MapReport(
    double Map50,
    double Map50Voc07,
    double Map50To95,
    double? MapSmall,
    double? MapMedium,
    double? MapLarge,
    IReadOnlyDictionary<string, double> PerClassAp50,
    IReadOnlyDictionary<string, PrecisionRecall> Curves);
