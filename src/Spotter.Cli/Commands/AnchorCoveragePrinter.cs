using Spotter.Reports;

namespace Spotter.Cli.Commands;

/// <summary>Prints an <see cref="AnchorCoverage"/> as a table: per class, the share of boxes an anchor reaches, by size.</summary>
public static class AnchorCoveragePrinter
{
    public static void Print(AnchorCoverage coverage, TextWriter output)
    {
        output.WriteLine($"Anchor coverage at {coverage.InputSize}x{coverage.InputSize} (a box is reached when an anchor has IoU >= {coverage.PositiveIou:0.##} with it; sizes at the input):");
        var classes = coverage.Rows.Select(r => r.Class).Distinct().ToList();
        var columns = AnchorCoverage.Buckets.Append("all").ToList();
        var width = Math.Max(8, classes.Max(c => c.Length));
        output.WriteLine("  " + "class".PadRight(width) + string.Concat(columns.Select(c => c.PadLeft(18))));
        foreach (var name in classes)
        {
            var cells = columns.Select(b => coverage.Rows.Single(r => r.Class == name && r.Bucket == b))
                .Select(r => (r.Boxes == 0 ? "-" : $"{r.Reached}/{r.Boxes} {r.Share,4:P0}").PadLeft(18));
            output.WriteLine("  " + name.PadRight(width) + string.Concat(cells));
        }
        if (coverage.Advice() is { } advice) output.WriteLine($"  advice: {advice}");
    }
}
