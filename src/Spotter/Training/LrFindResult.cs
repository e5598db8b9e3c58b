namespace Spotter.Training;

/// <summary>The LR finder's sweep: learning rates, raw and smoothed (centred) losses, and the suggestion (the rate at the lowest smoothed loss).</summary>
public sealed record LrFindResult(IReadOnlyList<double> LearningRates, IReadOnlyList<double> Losses, IReadOnlyList<double> SmoothedLosses, double Suggested);
