namespace Spotter.Training;

/// <summary>One epoch's outcome: the training loss, the validation metrics, time (all, and of it validating) and learning rate.</summary>
public sealed record EpochRecord(int Epoch, string Phase, double TrainLoss, IReadOnlyDictionary<string, double> Metrics, double Seconds, double HeadLearningRate,
    double ValidationSeconds = 0)
{
    /// <summary>Whether the epoch ended with a validation pass (<see cref="ValidationSchedule"/>).</summary>
    [System.Text.Json.Serialization.JsonIgnore] public bool Validated => Metrics.Count > 0;
}
