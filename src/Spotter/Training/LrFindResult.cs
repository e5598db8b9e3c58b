namespace Spotter.Training;

/// <summary>The LR finder's sweep: learning rates, raw and smoothed losses, and its suggestion.</summary>
public sealed record LrFindResult(IReadOnlyList<double> LearningRates, IReadOnlyList<double> Losses, IReadOnlyList<double> SmoothedLosses, double Suggested, double MinimumLossRate);
