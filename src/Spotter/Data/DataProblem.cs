using System.Text.RegularExpressions;

namespace Spotter.Data;

/// <summary>
/// Something wrong in a dataset: where (a file, with a line where known, or an image id) and what.
/// A fatal problem makes the dataset unusable; the others are warnings (what was dropped or fixed).
/// </summary>
public sealed partial record DataProblem(string Location, string Message, bool Fatal = false)
{
    /// <summary>
    /// The kind of problem: the message with its particulars (quoted names, paths, numbers)
    /// blanked, so that 128 missing images are one kind, reported once with a count.
    /// </summary>
    public string Kind => Numbers().Replace(Paths().Replace(Quoted().Replace(Message, "'…'"), "…"), "N");

    public override string ToString() => $"{Location}: {Message}";

    [GeneratedRegex("'[^']*'")]
    private static partial Regex Quoted();

    [GeneratedRegex(@"[^\s()]*[/\\][^\s(),;]*")]
    private static partial Regex Paths();

    [GeneratedRegex(@"-?\d+(\.\d+)?")]
    private static partial Regex Numbers();
}
