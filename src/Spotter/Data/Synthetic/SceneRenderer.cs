using SkiaSharp;
using Spotter.Boxes;

namespace Spotter.Data.Synthetic;

/// <summary>
/// Draws one synthetic scene: a textured, cluttered background (fractal noise, lines, curves and
/// small blobs smaller than any object) with 1-6 objects of five shape classes, sizes from 14 px
/// to almost half the image, some overlapping. One object clearly dominates (its box has at least
/// 1.5x the area of any other), so "the largest object" of the lesson-8 tasks is well defined, as
/// in most photos. Each class leans to its own hue, but one object in five takes any colour, so
/// shape matters. Boxes are the exact extent of each shape.
/// </summary>
public static class SceneRenderer
{
    public static readonly string[] Classes = ["circle", "rectangle", "triangle", "star", "cross"];
    private static readonly float[] ClassHues = [0, 210, 120, 50, 290];

    public sealed record Scene(SKBitmap Image, IReadOnlyList<(int ClassIndex, Box Box)> Objects);

    public static Scene Render(int size, Random rng)
    {
        var bitmap = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(bitmap);
        DrawBackground(canvas, size, rng);
        var objects = new List<(int, Box)>();
        var wanted = rng.Next(1, 7);
        for (var tries = 0; objects.Count < wanted && tries < 60; tries++)
        {
            var classIndex = rng.Next(Classes.Length);
            // The first object is the dominant one: large; the rest stay well below it.
            var (smallest, largest) = objects.Count == 0 ? (size * 0.2f, size * 0.45f) : (14f, MathF.Sqrt(objects[0].Item2.Area / 1.5f));
            if (largest <= smallest) break;
            var outline = Outline(classIndex, size, rng, smallest, largest);
            var box = Bounds(outline);
            if (objects.Count > 0 && box.Area * 1.5f > objects[0].Item2.Area)
            {
                outline.Dispose();
                continue;
            }
            if (objects.Any(o => Overlaps(o.Item2, box)))
            {
                outline.Dispose();
                continue;
            }
            using var paint = new SKPaint { IsAntialias = true, Color = ObjectColour(classIndex, rng), Style = SKPaintStyle.Fill };
            canvas.DrawPath(outline, paint);
            outline.Dispose();
            objects.Add((classIndex, box));
        }
        return new Scene(bitmap, objects);
    }

    /// <summary>
    /// A large scene with many small objects (12-30 px, 0.6-1.2 per 256 x 256 px of image, none
    /// dominant) on the same kind of background, its clutter as dense per pixel as in
    /// <see cref="Render"/>'s 256 px scenes, so a 256 px tile of it looks like one of those.
    /// </summary>
    public static Scene RenderSmallObjects(int size, Random rng)
    {
        var bitmap = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(bitmap);
        var scale = size / 256f;
        DrawBackground(canvas, size, rng, lineFactor: scale, blobFactor: scale * scale);
        var objects = new List<(int, Box)>();
        var wanted = (int)Math.Round(scale * scale * (0.6 + 0.6 * rng.NextDouble()));
        for (var tries = 0; objects.Count < wanted && tries < wanted * 10; tries++)
        {
            var classIndex = rng.Next(Classes.Length);
            using var outline = Outline(classIndex, size, rng, 12f, 30f);
            var box = Bounds(outline);
            if (objects.Any(o => Overlaps(o.Item2, box))) continue;
            using var paint = new SKPaint { IsAntialias = true, Color = ObjectColour(classIndex, rng), Style = SKPaintStyle.Fill };
            canvas.DrawPath(outline, paint);
            objects.Add((classIndex, box));
        }
        return new Scene(bitmap, objects);
    }

    private static void DrawBackground(SKCanvas canvas, int size, Random rng, float lineFactor = 1, float blobFactor = 1)
    {
        canvas.Clear(Hsv(rng.NextSingle() * 360, 0.1f + 0.4f * rng.NextSingle(), 0.3f + 0.5f * rng.NextSingle()));
        using (var noise = SKShader.CreatePerlinNoiseFractalNoise(0.02f + 0.08f * rng.NextSingle(), 0.02f + 0.08f * rng.NextSingle(), 3, rng.Next(1000)))
        using (var paint = new SKPaint { Shader = noise, Color = SKColors.White.WithAlpha(110), BlendMode = SKBlendMode.Overlay })
            canvas.DrawRect(0, 0, size, size, paint);
        using var stroke = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Stroke };
        // The bound is drawn again at each step (as it always was: changing it would change every scene).
        for (var i = 0; i < rng.Next(10, 25) * lineFactor; i++)
        {
            stroke.Color = Hsv(rng.NextSingle() * 360, rng.NextSingle(), rng.NextSingle()).WithAlpha((byte)rng.Next(80, 220));
            stroke.StrokeWidth = 1 + 2 * rng.NextSingle();
            using var path = new SKPath();
            path.MoveTo(Point(size, rng));
            path.QuadTo(Point(size, rng), Point(size, rng));
            canvas.DrawPath(path, stroke);
        }
        using var blob = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Fill };
        for (var i = 0; i < rng.Next(10, 30) * blobFactor; i++)
        {
            blob.Color = Hsv(rng.NextSingle() * 360, rng.NextSingle(), rng.NextSingle()).WithAlpha((byte)rng.Next(120, 255));
            var p = Point(size, rng);
            canvas.DrawOval(p.X, p.Y, 1.5f + 3 * rng.NextSingle(), 1.5f + 3 * rng.NextSingle(), blob);
        }
    }

    private static SKPath Outline(int classIndex, int size, Random rng, float smallest, float largest)
    {
        var extent = MathF.Exp(MathF.Log(smallest) + rng.NextSingle() * (MathF.Log(largest) - MathF.Log(smallest)));
        var aspect = 0.75f + 0.5f * rng.NextSingle();
        var (halfW, halfH) = (extent * aspect / 2, extent / aspect / 2);
        var angle = Classes[classIndex] is "circle" or "rectangle" ? 0 : rng.NextSingle() * 2 * MathF.PI;
        var unit = UnitShape(Classes[classIndex]);
        var points = unit.Select(p => Rotate(new SKPoint(p.X * halfW, p.Y * halfH), angle)).ToArray();
        // Stretch the shape a hair so its extent is whole pixels, and place it on the pixel grid:
        // then its box is exact even in formats that store integer pixels (VOC).
        float left = points.Min(p => p.X), top = points.Min(p => p.Y);
        float width = points.Max(p => p.X) - left, height = points.Max(p => p.Y) - top;
        float sx = MathF.Max(1, MathF.Round(width)) / width, sy = MathF.Max(1, MathF.Round(height)) / height;
        var x0 = MathF.Floor(rng.NextSingle() * (size - MathF.Round(width)));
        var y0 = MathF.Floor(rng.NextSingle() * (size - MathF.Round(height)));
        var placed = points.Select(p => new SKPoint(x0 + (p.X - left) * sx, y0 + (p.Y - top) * sy)).ToArray();
        var path = new SKPath();
        if (Classes[classIndex] == "circle")
            path.AddOval(SKRect.Create(x0, y0, MathF.Round(width), MathF.Round(height)));
        else
            path.AddPoly(placed, close: true);
        return path;
    }

    // Vertices in a -1..1 square (the circle's are only used for its extent).
    private static SKPoint[] UnitShape(string name) => name switch
    {
        "circle" => [new(-1, -1), new(1, 1)],
        "rectangle" => [new(-1, -1), new(1, -1), new(1, 1), new(-1, 1)],
        "triangle" => [new(0, -1), new(0.95f, 0.75f), new(-0.95f, 0.75f)],
        "star" => Enumerable.Range(0, 10).Select(i =>
        {
            var r = i % 2 == 0 ? 1f : 0.42f;
            var a = -MathF.PI / 2 + i * MathF.PI / 5;
            return new SKPoint(r * MathF.Cos(a), r * MathF.Sin(a));
        }).ToArray(),
        "cross" => [new(-0.3f, -1), new(0.3f, -1), new(0.3f, -0.3f), new(1, -0.3f), new(1, 0.3f), new(0.3f, 0.3f),
                    new(0.3f, 1), new(-0.3f, 1), new(-0.3f, 0.3f), new(-1, 0.3f), new(-1, -0.3f), new(-0.3f, -0.3f)],
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private static Box Bounds(SKPath path)
    {
        var b = path.TightBounds; // whole pixels by construction; rounding removes float dust
        return new Box(MathF.Round(b.Left), MathF.Round(b.Top), MathF.Round(b.Right), MathF.Round(b.Bottom));
    }

    // Objects may overlap a little, never so much that one hides another.
    private static bool Overlaps(Box a, Box b)
    {
        return a.Iou(b) > 0.25f || a.Intersection(b) > 0.4f * Math.Min(a.Area, b.Area);
    }

    private static SKColor ObjectColour(int classIndex, Random rng)
    {
        var hue = rng.NextDouble() < 0.2 ? rng.NextSingle() * 360 : ClassHues[classIndex] + (rng.NextSingle() - 0.5f) * 50;
        return Hsv((hue + 360) % 360, 0.55f + 0.45f * rng.NextSingle(), 0.55f + 0.45f * rng.NextSingle());
    }

    private static SKColor Hsv(float hue, float saturation, float value) => SKColor.FromHsv(hue, saturation * 100, value * 100);

    private static SKPoint Point(int size, Random rng) => new(rng.NextSingle() * size, rng.NextSingle() * size);

    private static SKPoint Rotate(SKPoint p, float angle) =>
        new(p.X * MathF.Cos(angle) - p.Y * MathF.Sin(angle), p.X * MathF.Sin(angle) + p.Y * MathF.Cos(angle));
}
