using System.Globalization;
using System.Text.RegularExpressions;

namespace Spotter.Training;

/// <summary>
/// <c>--time 20m</c>: training that ends within a wall-clock budget, as Ultralytics' <c>time</c>
/// does. The frozen epochs run as given; then the unfrozen epochs' step time is measured and the
/// second phase gets as many epochs as fit in what is left (after the final evaluation's share),
/// so its schedule (one-cycle, SGDR) is planned for them and completes. A probe of a few steps
/// misses what an epoch costs around its steps (the epoch's checkpoint, slower batches, a busy
/// machine), so the plan is revised from whole measured epochs while the schedule is still
/// early enough to stretch or shrink without a jump that matters.
/// </summary>
public static partial class TimeBudget
{
    /// <summary>"20m", "1h30m", "90s", "2h", or a number of minutes.</summary>
    public static TimeSpan Parse(string text)
    {
        var trimmed = text.Trim().ToLowerInvariant();
        if (double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out var minutes) && minutes > 0)
            return TimeSpan.FromMinutes(minutes);
        var match = Pattern().Match(trimmed);
        if (!match.Success || trimmed.Length == 0)
            throw new SpotterException($"--time '{text}': give a duration such as 20m, 1h30m or 90s");
        double Part(int group) => match.Groups[group].Success ? double.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture) : 0;
        var span = TimeSpan.FromHours(Part(1)) + TimeSpan.FromMinutes(Part(2)) + TimeSpan.FromSeconds(Part(3));
        return span > TimeSpan.Zero ? span : throw new SpotterException($"--time '{text}' is no time at all");
    }

    [GeneratedRegex(@"^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$")]
    private static partial Regex Pattern();

    /// <summary>
    /// Epochs of the second phase that fit in <paramref name="remainingSeconds"/>: each costs its
    /// steps plus a validation pass; the end of the run (reloading the best model, measuring it
    /// through the prediction path, drawing samples) is reserved first. At least one.
    /// </summary>
    public static int EpochsThatFit(double remainingSeconds, double stepSeconds, int stepsPerEpoch, double validationSeconds, double finishSeconds)
    {
        var epochSeconds = stepSeconds * stepsPerEpoch + validationSeconds;
        if (epochSeconds <= 0) return 1;
        return Math.Max(1, (int)Math.Floor((remainingSeconds - finishSeconds) / epochSeconds));
    }

    /// <summary>
    /// The second phase's epoch count after <paramref name="done"/> of <paramref name="planned"/>
    /// epochs, which typically took <paramref name="secondsPerEpoch"/> of wall-clock time each
    /// (steps, validation, checkpoint): as many more as fit in <paramref name="remainingSeconds"/>
    /// after the end of the run, at least one more. Only in the first three quarters of the plan:
    /// later, moving one-cycle's end would jump a rate that is nearly annealed, so the plan stands.
    /// (A late change of an epoch or two moves the rate by a few hundredths of its peak.)
    /// </summary>
    public static int Revise(int planned, int done, double secondsPerEpoch, double remainingSeconds, double finishSeconds)
    {
        if (done >= planned || 4 * done > 3 * planned || secondsPerEpoch <= 0) return planned;
        var more = (int)Math.Floor((remainingSeconds - finishSeconds) / secondsPerEpoch);
        return done + Math.Max(1, more);
    }

    /// <summary>
    /// What the end of a run costs, estimated from a validation pass: the best model is measured
    /// again through the prediction path (images decoded from their files: on the synthetic
    /// scenes it took 1.3 times the cached pass) and a few are drawn.
    /// </summary>
    public static double FinishSeconds(double validationSeconds) => 1.5 * validationSeconds + 3;
}
