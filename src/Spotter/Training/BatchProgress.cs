namespace Spotter.Training;

/// <summary>Where a fit stands after a batch (for progress bars).</summary>
public readonly record struct BatchProgress(int Epoch, int Batch, int BatchCount, double SmoothedLoss);
