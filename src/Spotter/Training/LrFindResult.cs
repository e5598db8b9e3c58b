namespace Spotter.Training;

/// <summary>The LR finder's sweep: learning rates, raw and smoothed (centred) losses, the rate at the lowest smoothed loss, and the suggestion.</summary>
public sealed record LrFindResult(IReadOnlyList<double> LearningRates, IReadOnlyList<double> Losses, IReadOnlyList<double> SmoothedLosses, double Suggested, double LowestLossRate);
