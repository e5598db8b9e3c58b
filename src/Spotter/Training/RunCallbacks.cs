using System.Globalization;
using System.Text;
using Spotter.Runtime;

namespace Spotter.Training;

/// <summary>Writes metrics.csv (one row per epoch) after every epoch.</summary>
public sealed class MetricsCsvCallback(string path) : ILearnerCallback
{
    public void AfterEpoch(Learner learner, EpochRecord record)
    {
        var names = learner.History.SelectMany(r => r.Metrics.Keys).Distinct().ToList();
        var csv = new StringBuilder("epoch,phase,train_loss," + string.Join(",", names) + ",lr,seconds\n");
        foreach (var r in learner.History)
        {
            var values = names.Select(n => r.Metrics.TryGetValue(n, out var v) ? v.ToString("G6", CultureInfo.InvariantCulture) : "");
            csv.Append(CultureInfo.InvariantCulture, $"{r.Epoch},{r.Phase},{r.TrainLoss:G6},{string.Join(",", values)},{r.HeadLearningRate:G4},{r.Seconds:F1}\n");
        }
        AtomicFile.WriteAllText(path, csv.ToString());
    }
}

/// <summary>
/// Keeps the best model by the validation metric (saving it through <paramref name="saveBest"/>),
/// saves a resumable checkpoint after every epoch, and stops early after <paramref name="patience"/>
/// epochs without improvement (0: never).
/// </summary>
public sealed class BestModelCallback(string metric, bool higherIsBetter, Action saveBest, string checkpointFolder, int patience, double? best = null) : ILearnerCallback
{
    private int _sinceBest;
    private bool _saved;

    public double? Best { get; private set; } = best;

    public bool StopRequested => patience > 0 && _sinceBest >= patience;

    public void AfterEpoch(Learner learner, EpochRecord record)
    {
        if (record.Metrics.TryGetValue(metric, out var value) && double.IsFinite(value) && IsBetter(value))
        {
            Best = value;
            _sinceBest = 0;
            saveBest();
            _saved = true;
        }
        else
        {
            _sinceBest++;
            // A run whose metric is never finite still leaves a model to inspect.
            if (!_saved && Best is null)
            {
                saveBest();
                _saved = true;
            }
        }
        Checkpoint.Save(learner, checkpointFolder, Best);
    }

    private bool IsBetter(double value) => Best is null || (higherIsBetter ? value > Best : value < Best);
}

/// <summary>Records the smoothed training loss per batch, for losses.png.</summary>
public sealed class LossRecorder : ILearnerCallback
{
    public List<(double Epoch, double Loss)> Points { get; } = [];

    public void AfterBatch(Learner learner, BatchProgress progress) =>
        Points.Add((progress.Epoch - 1 + (double)progress.Batch / progress.BatchCount, progress.SmoothedLoss));
}
