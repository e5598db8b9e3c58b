using Spotter.Boxes;

namespace Spotter.Evaluation;

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
