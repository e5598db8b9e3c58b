namespace Spotter.Data;

/// <summary>
/// Something wrong in a dataset: where (a file, with a line where known, or an image id) and what.
/// A fatal problem makes the dataset unusable; the others are warnings (what was dropped or fixed).
/// </summary>
public sealed record DataProblem(string Location, string Message, bool Fatal = false)
{
    public override string ToString() => $"{Location}: {Message}";
}
