using System.Globalization;
using System.Text;
using Spotter.Runtime;

namespace Spotter.Training;

/// <summary>
/// Keeps the best model by the validation metric (saving it through <paramref name="saveBest"/>),
/// saves a resumable checkpoint after every epoch, and stops early after <paramref name="patience"/>
/// validated epochs without improvement (0: never).
/// </summary>
public sealed class BestModelCallback(string metric, bool higherIsBetter, Action saveBest, string checkpointFolder, int patience, double? best = null) : ILearnerCallback
{
    private int _sinceBest;
    private bool _saved;

    public double? Best { get; private set; } = best;

    public bool StopRequested => patience > 0 && _sinceBest >= patience;

    public void AfterEpoch(Learner learner, EpochRecord record)
    {
        if (!record.Validated)
        {
            // An epoch without a validation pass (--validate-every) neither improves nor counts against patience.
            if (!_saved && Best is null)
            {
                saveBest(); // a run stopped before its first validation still leaves a model
                _saved = true;
            }
        }
        else if (record.Metrics.TryGetValue(metric, out var value) && double.IsFinite(value) && IsBetter(value))
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
