namespace Spotter.Evaluation;

/// <summary>
/// How well a largest-object model did: accuracy of the class, L1 (mean absolute corner error, in
/// pixels of the S x S input, the lessons' number) and mean IoU of the box. NaN where the task
/// does not predict it.
/// </summary>
public sealed record LargestObjectScores(double Accuracy, double L1, double MeanIou);
