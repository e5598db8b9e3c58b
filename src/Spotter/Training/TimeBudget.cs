using System.Globalization;
using System.Text.RegularExpressions;

namespace Spotter.Training;

/// <summary>
/// <c>--time 20m</c>: training that ends within a wall-clock budget, as Ultralytics' <c>time</c>
/// does. The frozen epochs run as given; then the unfrozen epochs' step time is measured and the
/// second phase gets as many epochs as fit in what is left (after the final evaluation's share),
/// counting a validation pass for each epoch that gets one (<see cref="ValidationSchedule"/>),
/// so its schedule (one-cycle, SGDR) is planned for them and completes. A probe of a few steps
/// misses what an epoch costs around its steps (the epoch's checkpoint, slower batches, a busy
/// machine), so the plan is revised after every epoch from whole measured epochs: freely while
/// the schedule is early, by single epochs near its end, where a larger change would jump the rate.
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
    /// What the second phase's epochs cost: each its steps and checkpoint (<see cref="Seconds"/>),
    /// and those the schedule validates a validation pass as well.
    /// </summary>
    public sealed record EpochCost(double Seconds, double ValidationSeconds, ValidationSchedule Validation)
    {
        /// <summary>Seconds for epochs <paramref name="from"/> to <paramref name="to"/> (exclusive) of a phase that ends with them.</summary>
        public double Of(int from, int to) => (to - from) * Seconds + Validation.Count(from, to, lastPhase: true) * ValidationSeconds;

        /// <summary>The most epochs after <paramref name="done"/> that fit in <paramref name="seconds"/>, the phase ending with them; at least one.</summary>
        public int MoreThatFit(int done, double seconds)
        {
            if (Seconds <= 0) return 1;
            // At least a third of any plan's epochs are validated (its closing third), so no more than this can fit.
            var more = (int)Math.Clamp(Math.Floor(seconds / (Seconds + ValidationSeconds / 3)), 1, 10_000);
            while (more > 1 && Of(done, done + more) > seconds) more--;
            return more;
        }
    }

    /// <summary>
    /// Epochs of the second phase that fit in <paramref name="remainingSeconds"/> at <paramref name="cost"/>;
    /// the end of the run (reloading the best model, measuring it through the prediction path,
    /// drawing samples) is reserved first. At least one.
    /// </summary>
    public static int EpochsThatFit(double remainingSeconds, EpochCost cost, double finishSeconds) => cost.MoreThatFit(0, remainingSeconds - finishSeconds);

    /// <summary>
    /// The second phase's epoch count after <paramref name="done"/> of <paramref name="planned"/>
    /// epochs, which cost what <paramref name="cost"/> says (measured wall-clock time): as many
    /// more as fit in <paramref name="remainingSeconds"/> after the end of the run, at least one
    /// more. In the first three quarters of the plan the count moves to what fits; later by one
    /// epoch per revision at most, and only when what fits is two or more epochs away, so the end
    /// follows a machine that sped up or slowed down late (a plan frozen at three quarters ended a
    /// 15-minute run at 92 %) while one-cycle's nearly annealed rate moves by a few hundredths of its peak.
    /// </summary>
    public static int Revise(int planned, int done, EpochCost cost, double remainingSeconds, double finishSeconds)
    {
        if (done >= planned || cost.Seconds <= 0) return planned;
        var fit = done + cost.MoreThatFit(done, remainingSeconds - finishSeconds);
        if (4 * done <= 3 * planned) return fit;
        // A one-epoch difference is the noise of a shared machine (a 15-minute raccoon run swung 48, 49, 48, 49 on it).
        return Math.Abs(fit - planned) <= 1 ? planned : Math.Clamp(fit, planned - 1, planned + 1);
    }

    /// <summary>
    /// What the end of a run costs, estimated from a validation pass: the best model is measured
    /// again through the prediction path (images decoded from their files: on the synthetic
    /// scenes it took 1.3 times the cached pass) and a few are drawn.
    /// </summary>
    public static double FinishSeconds(double validationSeconds) => 1.5 * validationSeconds + 3;
}
