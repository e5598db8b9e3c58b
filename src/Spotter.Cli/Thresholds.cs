namespace Spotter.Cli;

/// <summary>Checks score thresholds typed on the command line: a number from 0 to 1 (NaN is not one).</summary>
public static class Thresholds
{
    public static float? Check(float? value, string option = "--threshold") =>
        value is { } v && !(v >= 0 && v <= 1)
            ? throw new SpotterException($"{option} must be a number from 0 to 1 (got {v.ToString(System.Globalization.CultureInfo.InvariantCulture)})")
            : value;
}
