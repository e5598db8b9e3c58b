namespace Spotter.Training;

/// <summary>
/// Learning-rate schedules as pure functions returning a multiplier of each group's maximum
/// learning rate.
/// </summary>
public static class Schedules
{
    /// <summary>
    /// One cycle (fastai's fit_one_cycle): over the first <paramref name="pctStart"/> of training
    /// the rate rises from max/div to max along a cosine, then falls along a cosine to
    /// max/(div*finalDiv). <paramref name="progress"/> runs from 0 (first step) to 1 (end).
    /// </summary>
    public static double OneCycle(double progress, double div = 25, double pctStart = 0.3, double finalDiv = 1e4)
    {
        progress = Math.Clamp(progress, 0, 1);
        if (progress < pctStart) return CosineBetween(1 / div, 1, progress / pctStart);
        return CosineBetween(1, 1 / (div * finalDiv), (progress - pctStart) / (1 - pctStart));
    }

    /// <summary>
    /// SGDR (cosine annealing with warm restarts): the first cycle lasts <paramref name="cycleLength"/>
    /// epochs, each next one <paramref name="cycleMultiplier"/> times longer; within a cycle the rate
    /// falls from max to max*minFactor along a cosine. <paramref name="epochs"/> may be fractional.
    /// </summary>
    public static double Sgdr(double epochs, double cycleLength = 1, double cycleMultiplier = 2, double minFactor = 0)
    {
        var start = 0.0;
        var length = cycleLength;
        while (epochs >= start + length)
        {
            start += length;
            length *= cycleMultiplier;
        }
        return CosineBetween(1, minFactor, (epochs - start) / length);
    }

    /// <summary>
    /// The momentum that goes with <see cref="OneCycle"/> (fastai's moms): it falls from
    /// <paramref name="high"/> to <paramref name="low"/> while the rate rises, and climbs back while
    /// the rate falls, so large steps are not also pushed by a long memory of past gradients.
    /// </summary>
    public static double OneCycleMomentum(double progress, double high = 0.95, double low = 0.85, double pctStart = 0.3)
    {
        progress = Math.Clamp(progress, 0, 1);
        return progress < pctStart ? CosineBetween(high, low, progress / pctStart) : CosineBetween(low, high, (progress - pctStart) / (1 - pctStart));
    }

    private static double CosineBetween(double from, double to, double fraction) =>
        to + (from - to) * (1 + Math.Cos(Math.PI * Math.Clamp(fraction, 0, 1))) / 2;
}
