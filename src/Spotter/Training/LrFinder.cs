namespace Spotter.Training;

/// <summary>
/// Leslie Smith's learning-rate range test: raise the rate exponentially from <c>start</c> to
/// <c>end</c> over at most <c>iterations</c> mini-batches (training the trainable groups, all at
/// the same rate), stop once the loss has clearly exploded, then put the weights and optimiser
/// back as they were. The suggestion comes from a centred average of the losses (see <see cref="Suggest"/>).
/// </summary>
public static class LrFinder
{
    public static LrFindResult Run(Learner learner, double start = 1e-7, double end = 10, int iterations = 100, double beta = 0.98)
    {
        var module = learner.Model.Module;
        using var snapshot = new WeightSnapshot(module);
        var lrs = new List<double>();
        var losses = new List<double>();
        try
        {
            learner.SetTrainingMode();
            // The running average only decides when to stop (4x its best: the loss has exploded).
            double average = 0, best = double.MaxValue;
            var exploded = false;
            for (var epoch = 0; lrs.Count < iterations && !exploded; epoch++)
            {
                foreach (var batch in learner.TrainData.Epoch(epoch))
                {
                    using (batch)
                    {
                        var lr = start * Math.Pow(end / start, (double)lrs.Count / Math.Max(1, iterations - 1));
                        var loss = learner.Step(batch, Enumerable.Repeat(lr, learner.GroupCount).ToArray());
                        lrs.Add(lr);
                        losses.Add(loss);
                        average = beta * average + (1 - beta) * loss;
                        var debiased = average / (1 - Math.Pow(beta, lrs.Count));
                        best = Math.Min(best, debiased);
                        exploded = double.IsNaN(loss) || debiased > 4 * best;
                        if (exploded || lrs.Count >= iterations) break;
                    }
                }
            }
        }
        finally
        {
            snapshot.Restore(module);
            learner.ResetOptimizer();
        }
        var smoothed = CentredAverage(losses);
        return new LrFindResult(lrs, losses, smoothed, Suggest(lrs, smoothed));
    }

    /// <summary>
    /// Each loss averaged with its neighbours, a tenth of the sweep wide (at least 3 points).
    /// fastai smooths with a running average (beta 0.98), which lags about 50 batches: over a
    /// 100-batch sweep from 1e-7 to 10 that is 4 decades, so the curve's minimum and steepest
    /// fall appear at rates far from where the losses really were (on raccoon's 30-batch sweep
    /// the old steepest-descent rule said 7.3e-4 where 1e-2 trains best). A centred window does not lag.
    /// </summary>
    public static IReadOnlyList<double> CentredAverage(IReadOnlyList<double> losses)
    {
        var half = Math.Max(1, losses.Count / 20);
        var result = new double[losses.Count];
        for (var i = 0; i < losses.Count; i++)
        {
            var (from, to) = (Math.Max(0, i - half), Math.Min(losses.Count - 1, i + half));
            var sum = 0.0;
            for (var k = from; k <= to; k++) sum += double.IsNaN(losses[k]) ? double.PositiveInfinity : losses[k];
            result[i] = sum / (to - from + 1);
        }
        return result;
    }

    /// <summary>
    /// The rate at which the smoothed loss is lowest (the first tenth of the sweep skipped). With
    /// one-cycle's warm-up and annealing, the head trains best at the top of the range where the
    /// loss still falls, not a decade below it (fastai's minimum/10) nor at the steepest fall; half
    /// of it was measured too and trained raccoon's detector worse (README, "LR finder rule").
    /// </summary>
    public static double Suggest(IReadOnlyList<double> lrs, IReadOnlyList<double> smoothed)
    {
        if (lrs.Count == 0) return 1e-3;
        var skip = lrs.Count >= 10 ? lrs.Count / 10 : 0;
        return lrs[Enumerable.Range(skip, lrs.Count - skip).MinBy(i => smoothed[i])];
    }
}
