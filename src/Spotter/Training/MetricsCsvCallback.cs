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
