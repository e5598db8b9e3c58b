namespace Spotter.Training;

/// <summary>
/// Leslie Smith's learning-rate range test as fastai runs it: raise the rate exponentially from
/// <c>start</c> to <c>end</c> over at most <c>iterations</c> mini-batches (training the trainable
/// groups, all at the same rate), smooth the loss (exponential moving average with bias
/// correction), stop once it exceeds 4x its best, then put the weights and optimiser back as they
/// were. The suggestion is the rate where the smoothed loss falls fastest.
/// </summary>
public static class LrFinder
{
    public static LrFindResult Run(Learner learner, double start = 1e-7, double end = 10, int iterations = 100, double beta = 0.98)
    {
        var module = learner.Model.Module;
        using var snapshot = new WeightSnapshot(module);
        var lrs = new List<double>();
        var losses = new List<double>();
        var smoothed = new List<double>();
        try
        {
            learner.SetTrainingMode();
            double average = 0, best = double.MaxValue;
            var step = 0;
            for (var epoch = 0; step < iterations; epoch++)
            {
                foreach (var batch in learner.TrainData.Epoch(epoch))
                {
                    using (batch)
                    {
                        var lr = start * Math.Pow(end / start, (double)step / Math.Max(1, iterations - 1));
                        var loss = learner.Step(batch, Enumerable.Repeat(lr, learner.GroupCount).ToArray());
                        step++;
                        average = beta * average + (1 - beta) * loss;
                        var debiased = average / (1 - Math.Pow(beta, step));
                        lrs.Add(lr);
                        losses.Add(loss);
                        smoothed.Add(debiased);
                        best = Math.Min(best, debiased);
                        if (double.IsNaN(loss) || debiased > 4 * best || step >= iterations) break;
                    }
                }
                if (losses.Count > 0 && (double.IsNaN(losses[^1]) || smoothed[^1] > 4 * best)) break;
            }
        }
        finally
        {
            snapshot.Restore(module);
            learner.ResetOptimizer();
        }
        return new LrFindResult(lrs, losses, smoothed, Suggest(lrs, smoothed), MinimumLossRate(lrs, smoothed));
    }

    /// <summary>
    /// The rate with the steepest fall of the smoothed loss (per log-rate) before its minimum,
    /// measured over a few points and skipping the first tenth of the sweep, where the average
    /// is still settling. If that lands far below the minimum (a flat, noisy start), a tenth
    /// of the minimum's rate is used instead.
    /// </summary>
    public static double Suggest(IReadOnlyList<double> lrs, IReadOnlyList<double> smoothed)
    {
        if (lrs.Count < 5) return lrs.Count > 0 ? lrs[0] : 1e-3;
        var minimum = Enumerable.Range(0, smoothed.Count).MinBy(i => smoothed[i]);
        var skip = Math.Max(1, lrs.Count / 10);
        const int span = 3;
        var bestIndex = -1;
        var bestSlope = 0.0;
        for (var i = skip + span; i <= minimum; i++)
        {
            var slope = (smoothed[i] - smoothed[i - span]) / (Math.Log(lrs[i]) - Math.Log(lrs[i - span]));
            if (slope < bestSlope)
            {
                bestSlope = slope;
                bestIndex = i - span / 2;
            }
        }
        var fallback = MinimumLossRate(lrs, smoothed);
        return bestIndex < 0 || lrs[bestIndex] < fallback / 100 ? fallback : lrs[bestIndex];
    }

    /// <summary>fastai's other rule of thumb: a tenth of the rate at the loss minimum.</summary>
    public static double MinimumLossRate(IReadOnlyList<double> lrs, IReadOnlyList<double> smoothed) =>
        lrs.Count == 0 ? 1e-3 : lrs[Enumerable.Range(0, smoothed.Count).MinBy(i => smoothed[i])] / 10;
}
