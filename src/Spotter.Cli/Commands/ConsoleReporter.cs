using Spotter.Training;

namespace Spotter.Cli.Commands;

/// <summary>
/// Prints a training run: messages, a progress line per batch (on an interactive terminal), and
/// one table row per epoch.
/// </summary>
public sealed class ConsoleReporter(TextWriter output, TextWriter progress, bool interactive) : ITrainingReporter
{
    private List<string>? _metricNames;

    public void Message(string text) => output.WriteLine(text);

    public void AfterBatch(Learner learner, BatchProgress p)
    {
        if (!interactive) return;
        var width = 30;
        var filled = (int)Math.Round(width * (double)p.Batch / p.BatchCount);
        progress.Write($"\r  epoch {p.Epoch} [{new string('#', filled)}{new string('.', width - filled)}] {p.Batch}/{p.BatchCount} loss {p.SmoothedLoss:0.####}   ");
        if (p.Batch == p.BatchCount) progress.Write("\r" + new string(' ', width + 50) + "\r");
    }

    public void AfterEpoch(Learner learner, EpochRecord r)
    {
        if (_metricNames is null)
        {
            // A run's first epoch is always validated (ValidationSchedule); a resumed run's is in its history.
            _metricNames = (learner.History.FirstOrDefault(h => h.Validated) ?? r).Metrics.Keys.ToList();
            output.WriteLine($"{"epoch",5}  {"phase",-8}  {"train_loss",10}  {string.Join("  ", _metricNames.Select(n => $"{n,10}"))}  {"lr",9}  {"time",6}");
        }
        // An epoch without validation (--validate-every) shows dashes.
        var values = _metricNames.Select(n => r.Metrics.TryGetValue(n, out var v) ? $"{v,10:0.####}" : $"{"-",10}");
        output.WriteLine($"{r.Epoch,5}  {r.Phase,-8}  {r.TrainLoss,10:0.####}  {string.Join("  ", values)}  {r.HeadLearningRate,9:0.##e+0}  {r.Seconds,5:0}s");
    }
}
