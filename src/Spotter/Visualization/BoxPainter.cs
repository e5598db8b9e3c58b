using SkiaSharp;

namespace Spotter.Visualization;

/// <summary>
/// Draws boxes the way the fast.ai lessons do: a coloured 2 px line over a 4 px black outline,
/// and the label in bold at the box's top-left corner, filled in the box colour over a black
/// outline, so both read on any background.
/// </summary>
public static class BoxPainter
{
    public static void Draw(SKCanvas canvas, IEnumerable<DrawnBox> boxes, float scale = 1, float textSize = 13)
    {
        using var outline = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = 4, Color = SKColors.Black };
        using var line = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = 2 };
        using var font = new SKFont(LabelFont.Typeface, textSize);
        using var textOutline = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = 3, Color = SKColors.Black, StrokeJoin = SKStrokeJoin.Round };
        using var text = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Fill };
        var list = boxes.ToList();
        foreach (var b in list)
        {
            var rect = new SKRect(b.Box.X1 * scale, b.Box.Y1 * scale, b.Box.X2 * scale, b.Box.Y2 * scale);
            canvas.DrawRect(rect, outline);
            line.Color = b.Colour;
            canvas.DrawRect(rect, line);
        }
        // Labels after all boxes, so no box line crosses a label.
        foreach (var b in list.Where(b => b.Label.Length > 0))
        {
            var x = Math.Max(2, b.Box.X1 * scale + 2);
            var y = Math.Max(textSize, b.Box.Y1 * scale + textSize);
            canvas.DrawText(b.Label, x, y, SKTextAlign.Left, font, textOutline);
            text.Color = b.Colour;
            canvas.DrawText(b.Label, x, y, SKTextAlign.Left, font, text);
        }
    }
}
