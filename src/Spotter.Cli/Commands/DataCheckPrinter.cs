using Spotter.Data;

namespace Spotter.Cli.Commands;

/// <summary>Prints a <see cref="DataCheckReport"/> as plain text tables.</summary>
public static class DataCheckPrinter
{
    public static void Print(DataCheckReport report, TextWriter output)
    {
        var dataset = report.Dataset;
        output.WriteLine($"Dataset   {dataset.Source} ({dataset.Format})");
        output.WriteLine($"Images    {string.Join(", ", report.ImagesPerSplit.Select(s => $"{s.Key} {s.Value}"))}");
        output.WriteLine($"Objects   {dataset.Images.Sum(i => i.Objects.Count)} in {dataset.Classes.Count} classes; {report.ImagesWithoutObjects} image(s) with no objects");
        output.WriteLine();

        var splits = dataset.Splits.Keys.ToList();
        // Split columns count objects, like the objects column.
        var header = new[] { "class", "objects", "images" }.Concat(splits.Select(s => $"{s} objs")).ToArray();
        var rows = report.PerClass.Select(c => new[] { c.Class, c.Objects.ToString(), c.Images.ToString() }
            .Concat(splits.Select(s => c.PerSplit[s].ToString())).ToArray()).ToList();
        WriteTable(output, header, rows);
        output.WriteLine();

        var (small, medium, large) = report.BoxSizes;
        output.WriteLine($"Box sizes    small (< 32x32 px) {small}, medium {medium}, large (>= 96x96 px) {large}");
        output.WriteLine($"Image sizes  width {report.Widths.Min}..{report.Widths.Max} (median {report.Widths.Median}), height {report.Heights.Min}..{report.Heights.Max} (median {report.Heights.Median}); most common {string.Join(", ", report.CommonSizes.Select(s => $"{s.Size} ({s.Images})"))}");
        output.WriteLine();

        if (report.Problems.Count == 0)
        {
            output.WriteLine("No problems found.");
            return;
        }
        output.WriteLine($"Problems ({report.Problems.Count}):");
        foreach (var problem in report.Problems)
            output.WriteLine($"  {(problem.Fatal ? "error" : "warning")}: {problem}");
        output.WriteLine();
        output.WriteLine(report.IsUsable
            ? "The dataset is usable; the objects and images named above as dropped or skipped are left out."
            : "The dataset is not usable as it is.");
    }

    private static void WriteTable(TextWriter output, string[] header, List<string[]> rows)
    {
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        string Line(string[] cells) => string.Join("  ", cells.Select((c, i) => i == 0 ? c.PadRight(widths[i]) : c.PadLeft(widths[i])));
        output.WriteLine(Line(header));
        foreach (var row in rows) output.WriteLine(Line(row));
    }
}
