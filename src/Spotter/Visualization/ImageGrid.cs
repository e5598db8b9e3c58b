using SkiaSharp;
using Spotter.Data;
using Spotter.Runtime;

namespace Spotter.Visualization;

/// <summary>
/// Lays images out in a grid, each scaled to fit a square tile with its boxes and a caption, and
/// writes a PNG. Used for `data show`, for predictions next to ground truth (samples.png), and
/// for detect's annotated images.
/// </summary>
public static class ImageGrid
{
    public static SKBitmap Render(IReadOnlyList<GridTile> tiles, int columns, int tileSize = 320)
    {
        if (tiles.Count == 0) throw new SpotterException("nothing to draw: no images were selected");
        columns = Math.Clamp(columns, 1, tiles.Count);
        const int gap = 6, captionHeight = 18;
        var rows = (tiles.Count + columns - 1) / columns;
        // Tiles are as tall as the tallest image needs at this width (landscape sets get no gaps).
        var tileHeight = (int)Math.Ceiling(tileSize * Math.Min(1.0, tiles.Max(TallestAspect)));
        var bitmap = new SKBitmap(columns * (tileSize + gap) + gap, rows * (tileHeight + captionHeight + gap) + gap);
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(new SKColor(0x22, 0x22, 0x22));
        using var caption = new SKPaint { IsAntialias = true, Color = SKColors.White };
        using var font = new SKFont(LabelFont.Typeface, 12);
        for (var i = 0; i < tiles.Count; i++)
        {
            var left = gap + i % columns * (tileSize + gap);
            var top = gap + i / columns * (tileHeight + captionHeight + gap);
            DrawTile(canvas, tiles[i], left, top, tileSize, tileHeight);
            canvas.DrawText(Fit(tiles[i].Caption, font, tileSize), left, top + tileHeight + 14, SKTextAlign.Left, font, caption);
        }
        return bitmap;
    }

    public static void Save(SKBitmap bitmap, string path)
    {
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        AtomicFile.WriteAllBytes(path, data.ToArray());
    }

    private static double TallestAspect(GridTile tile)
    {
        if (tile.Pixels is { } pixels) return (double)pixels.Height / pixels.Width;
        var info = ImageFile.Probe(tile.ImagePath);
        return (double)info.Height / info.Width;
    }

    private static void DrawTile(SKCanvas canvas, GridTile tile, int left, int top, int tileWidth, int tileHeight)
    {
        using var decoded = tile.Pixels is null ? ImageFile.Decode(tile.ImagePath) : null;
        var image = tile.Pixels ?? decoded!;
        var scale = Math.Min((float)tileWidth / image.Width, (float)tileHeight / image.Height);
        canvas.Save();
        canvas.Translate(left, top);
        canvas.ClipRect(new SKRect(0, 0, tileWidth, tileHeight));
        using var picture = SKImage.FromBitmap(image);
        canvas.DrawImage(picture, new SKRect(0, 0, image.Width * scale, image.Height * scale), new SKSamplingOptions(SKCubicResampler.Mitchell));
        BoxPainter.Draw(canvas, tile.Boxes, scale);
        canvas.Restore();
    }

    private static string Fit(string text, SKFont font, int width)
    {
        if (font.MeasureText(text) <= width) return text;
        while (text.Length > 1 && font.MeasureText("…" + text) > width) text = text[1..];
        return "…" + text;
    }
}
