using System.Globalization;
using System.Text;
using Spotter.Runtime;

namespace Spotter.Training;

/// <summary>Records the smoothed training loss per batch, for losses.png.</summary>
public sealed class LossRecorder : ILearnerCallback
{
    public List<(double Epoch, double Loss)> Points { get; } = [];

    public void AfterBatch(Learner learner, BatchProgress progress) =>
        Points.Add((progress.Epoch - 1 + (double)progress.Batch / progress.BatchCount, progress.SmoothedLoss));
}
