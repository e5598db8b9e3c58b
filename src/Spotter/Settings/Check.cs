namespace Spotter.Settings;

/// <summary>Checks for settings, each failing with one line that names the setting as the user gives it.</summary>
public static class Check
{
    public static double Positive(double value, string name) =>
        value > 0 && double.IsFinite(value) ? value : throw new SpotterException($"{name} must be a positive number, got {value}");

    public static int AtLeast(int value, int minimum, string name) =>
        value >= minimum ? value : throw new SpotterException($"{name} must be at least {minimum}, got {value}");

    public static int Between(int value, int low, int high, string name) =>
        value >= low && value <= high ? value : throw new SpotterException($"{name} must be between {low} and {high}, got {value}");

    public static double Between(double value, double low, double high, string name) =>
        value >= low && value <= high ? value : throw new SpotterException($"{name} must be between {low} and {high}, got {value}");

    /// <summary>A non-empty list of positive numbers, or null (meaning: the default).</summary>
    public static IReadOnlyList<double>? PositiveList(IReadOnlyList<double>? values, string name) =>
        values is null || (values.Count > 0 && values.All(v => v > 0 && double.IsFinite(v)))
            ? values
            : throw new SpotterException($"{name} must be one or more positive numbers");

    /// <summary>An input size the bodies can take: a multiple of their stride, 32.</summary>
    public static int InputSize(int value) =>
        value >= 32 && value % 32 == 0 ? value : throw new SpotterException($"--size must be a multiple of 32 (the body's stride), got {value}");
}
