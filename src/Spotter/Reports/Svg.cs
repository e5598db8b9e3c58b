using System.Globalization;
using System.Text;

namespace Spotter.Reports;

/// <summary>Small inline SVG charts for the report: a line over epochs and a histogram over fixed bins. No script.</summary>
internal static class Svg
{
    private const int Width = 520, Height = 160, Left = 50, Bottom = 28, Top = 22;

    /// <summary>Values per epoch (1, 2, ...) as a line with its points; non-finite values are skipped.</summary>
    public static string Line(string title, IReadOnlyList<double> values)
    {
        var points = values.Select((v, i) => (X: i + 1, Y: v)).Where(p => double.IsFinite(p.Y)).ToList();
        var svg = Begin(title);
        if (points.Count == 0) return svg.Append("</svg>").ToString();
        double min = points.Min(p => p.Y), max = points.Max(p => p.Y);
        if (max - min < 1e-12) (min, max) = (min - 0.5, max + 0.5);
        double X(int epoch) => Left + (values.Count == 1 ? 0.5 : (epoch - 1.0) / (values.Count - 1)) * (Width - Left - 10);
        double Y(double v) => Top + (1 - (v - min) / (max - min)) * (Height - Top - Bottom);
        svg.Append("<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\"");
        svg.AppendJoin(' ', points.Select(p => string.Create(CultureInfo.InvariantCulture, $"{X(p.X):0.#},{Y(p.Y):0.#}")));
        svg.Append("\"/>");
        foreach (var p in points)
            svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{X(p.X):0.#}\" cy=\"{Y(p.Y):0.#}\" r=\"3\" fill=\"#1f77b4\"><title>epoch {p.X}: {p.Y:G4}</title></circle>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"4\" y=\"{Top + 8}\">{max:G3}</text><text x=\"4\" y=\"{Height - Bottom}\">{min:G3}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left}\" y=\"{Height - 8}\">epoch 1</text><text x=\"{Width - 70}\" y=\"{Height - 8}\">epoch {values.Count}</text>");
        return svg.Append("</svg>").ToString();
    }

    /// <summary>Counts of <paramref name="values"/> in [edges[i], edges[i+1]) as bars, each labelled with its range and count.</summary>
    public static string Histogram(string title, IReadOnlyList<double> values, double[] edges)
    {
        var counts = new int[edges.Length - 1];
        foreach (var v in values)
            for (var i = 0; i < counts.Length; i++)
                if (v >= edges[i] && v < edges[i + 1])
                {
                    counts[i]++;
                    break;
                }
        var svg = Begin(title);
        var max = Math.Max(1, counts.Max());
        var barWidth = (Width - Left - 10.0) / counts.Length;
        for (var i = 0; i < counts.Length; i++)
        {
            var h = (Height - Top - Bottom) * counts[i] / (double)max;
            var x = Left + i * barWidth;
            var label = string.Create(CultureInfo.InvariantCulture, $"{edges[i]:G4}-{edges[i + 1]:G4}");
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{x + 1:0.#}\" y=\"{Height - Bottom - h:0.#}\" width=\"{barWidth - 2:0.#}\" height=\"{h:0.#}\" fill=\"#ff7f0e\"><title>{label}: {counts[i]}</title></rect>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + 2:0.#}\" y=\"{Height - Bottom + 12}\" font-size=\"9\">{label}</text>");
            if (counts[i] > 0) svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + 2:0.#}\" y=\"{Height - Bottom - h - 3:0.#}\" font-size=\"9\">{counts[i]}</text>");
        }
        return svg.Append("</svg>").ToString();
    }

    private static StringBuilder Begin(string title) =>
        new StringBuilder().Append(CultureInfo.InvariantCulture,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" font-family=\"sans-serif\" font-size=\"11\" role=\"img\" aria-label=\"{RunReport.Html(title)}\">" +
            $"<rect width=\"{Width}\" height=\"{Height}\" fill=\"#fafafa\"/><text x=\"{Left}\" y=\"14\" font-weight=\"bold\">{RunReport.Html(title)}</text>");
}
