using Spotter.Data;

namespace Spotter.Cli.Commands;

/// <summary>Prints a <see cref="DataCheckReport"/> as plain text tables.</summary>
public static class DataCheckPrinter
{
    /// <summary>Problems of one kind shown before the rest are counted (unless all are asked for).</summary>
    public const int ExamplesPerKind = 3;

    /// <param name="all">List every problem; by default each kind shows <see cref="ExamplesPerKind"/> and a count of the rest.</param>
    public static void Print(DataCheckReport report, TextWriter output, bool all = false)
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
        var hidden = 0;
        foreach (var kind in report.Problems.GroupBy(p => (p.Fatal, p.Kind)))
        {
            var shown = all ? kind.ToList() : kind.Take(ExamplesPerKind).ToList();
            foreach (var problem in shown)
                output.WriteLine($"  {(problem.Fatal ? "error" : "warning")}: {problem}");
            if (kind.Count() > shown.Count)
            {
                output.WriteLine($"  ... and {kind.Count() - shown.Count} more like the one above");
                hidden += kind.Count() - shown.Count;
            }
        }
        if (hidden > 0) output.WriteLine($"  ({hidden} not shown; 'spotter data check --all' lists every problem)");
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
