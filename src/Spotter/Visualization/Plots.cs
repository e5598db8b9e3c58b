using Spotter.Runtime;
using Spotter.Training;

namespace Spotter.Visualization;

/// <summary>The training plots: the LR finder's sweep and the loss curves of a run.</summary>
public static class Plots
{
    private static readonly Lazy<string?> FontName = new(RegisterFont);

    /// <summary>Smoothed loss against learning rate on a log axis, with the suggestion marked.</summary>
    public static void LrFinder(LrFindResult result, string path)
    {
        var plot = NewPlot();
        // The last batch's loss may be NaN (the sweep stops there); leave it out of the picture.
        var shown = Enumerable.Range(0, result.LearningRates.Count).Where(i => double.IsFinite(result.Losses[i]) && double.IsFinite(result.SmoothedLosses[i])).ToArray();
        var x = shown.Select(i => Math.Log10(result.LearningRates[i])).ToArray();
        plot.Add.ScatterLine(x, shown.Select(i => result.SmoothedLosses[i]).ToArray()).LegendText = "smoothed loss (centred)";
        var raw = plot.Add.ScatterPoints(x, shown.Select(i => result.Losses[i]).ToArray());
        raw.LegendText = "loss per batch";
        raw.MarkerSize = 3;
        var suggested = plot.Add.VerticalLine(Math.Log10(result.Suggested));
        suggested.LegendText = $"suggested {result.Suggested:0.#e+0}";
        suggested.LinePattern = ScottPlot.LinePattern.Dashed;
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            LabelFormatter = v => $"1e{v:0}",
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
        };
        // The loss explodes at the end of the sweep; keep the interesting part in view.
        var smoothed = shown.Select(i => result.SmoothedLosses[i]).DefaultIfEmpty(1).ToArray();
        var top = Math.Min(smoothed.Max(), 4 * smoothed.Min());
        plot.Axes.SetLimitsY(0, top * 1.1);
        plot.XLabel("learning rate");
        plot.YLabel("loss");
        plot.Title("LR finder");
        Save(plot, path);
    }

    /// <summary>Training loss per batch (smoothed) and validation loss per epoch, against epochs.</summary>
    public static void Losses(IReadOnlyList<(double Epoch, double Loss)> trainBatches, IReadOnlyList<EpochRecord> epochs, string path)
    {
        var plot = NewPlot();
        if (trainBatches.Count > 0)
            plot.Add.ScatterLine(trainBatches.Select(p => p.Epoch).ToArray(), trainBatches.Select(p => p.Loss).ToArray()).LegendText = "training loss (smoothed)";
        var valid = epochs.Where(e => e.Metrics.ContainsKey("valid_loss")).ToList();
        if (valid.Count > 0)
        {
            var line = plot.Add.Scatter(valid.Select(e => (double)e.Epoch).ToArray(), valid.Select(e => e.Metrics["valid_loss"]).ToArray());
            line.LegendText = "validation loss";
            line.MarkerSize = 7;
        }
        plot.XLabel("epoch");
        plot.YLabel("loss");
        plot.Title("Losses");
        Save(plot, path);
    }

    /// <summary>Precision against recall at IoU 0.5, one line per class.</summary>
    public static void PrecisionRecall(IReadOnlyDictionary<string, Evaluation.PrecisionRecall> curves, string path)
    {
        var plot = NewPlot();
        foreach (var (name, curve) in curves)
        {
            if (curve.Recall.Count == 0) continue;
            var line = plot.Add.ScatterLine(curve.Recall.ToArray(), curve.Precision.ToArray());
            line.LegendText = $"{name} (AP {Evaluation.VocAveragePrecision.AllPoints(curve):0.00})";
        }
        plot.Axes.SetLimits(0, 1.02, 0, 1.02);
        plot.XLabel("recall");
        plot.YLabel("precision");
        plot.Title("Precision-recall at IoU 0.5");
        plot.ShowLegend(ScottPlot.Alignment.LowerLeft);
        Save(plot, path);
    }

    private static ScottPlot.Plot NewPlot()
    {
        var plot = new ScottPlot.Plot();
        if (FontName.Value is { } name) plot.Font.Set(name);
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        return plot;
    }

    private static void Save(ScottPlot.Plot plot, string path)
    {
        var bytes = plot.GetImageBytes(900, 560, ScottPlot.ImageFormat.Png);
        AtomicFile.WriteAllBytes(path, bytes);
    }

    // Skia here has no font configuration; hand ScottPlot the same face the box labels use.
    private static string? RegisterFont()
    {
        var path = LabelFont.FilePath;
        if (path is null) return null;
        ScottPlot.Fonts.AddFontFile("SpotterSans", path);
        return "SpotterSans";
    }
}
