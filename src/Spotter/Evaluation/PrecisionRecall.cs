using Spotter.Boxes;

namespace Spotter.Evaluation;

/// <summary>A class's precision-recall curve at IoU 0.5 (VOC matching), for pr_curves.png.</summary>
public sealed record PrecisionRecall(IReadOnlyList<double> Recall, IReadOnlyList<double> Precision);
