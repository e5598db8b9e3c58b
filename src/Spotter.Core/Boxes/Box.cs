namespace Spotter.Boxes;

/// <summary>
/// A box in continuous pixel coordinates of its image: x1, y1 (top-left) to x2, y2 (bottom-right).
/// A 1-pixel box at column 0 spans 0..1. Formats convert at the edges (BoxFormat in the Spotter library).
/// </summary>
public readonly record struct Box(float X1, float Y1, float X2, float Y2)
{
    public float Width => X2 - X1;
    public float Height => Y2 - Y1;
    public float Area => Math.Max(0, Width) * Math.Max(0, Height);
    public bool HasArea => Width > 0 && Height > 0;

    /// <summary>COCO's size buckets: small below 32x32 pixels of area, large from 96x96.</summary>
    public const float SmallArea = 32 * 32, LargeArea = 96 * 96;

    /// <summary>Area shared with another box (0 when they do not overlap).</summary>
    public float Intersection(Box other) =>
        Math.Max(0, Math.Min(X2, other.X2) - Math.Max(X1, other.X1)) * Math.Max(0, Math.Min(Y2, other.Y2) - Math.Max(Y1, other.Y1));

    /// <summary>Intersection over union (0 when both are empty).</summary>
    public float Iou(Box other)
    {
        var intersection = Intersection(other);
        var union = Area + other.Area - intersection;
        return union <= 0 ? 0 : intersection / union;
    }

    /// <summary>The part of the box inside a width x height image.</summary>
    public Box ClipTo(int width, int height) =>
        new(Math.Clamp(X1, 0, width), Math.Clamp(Y1, 0, height), Math.Clamp(X2, 0, width), Math.Clamp(Y2, 0, height));

    public bool IsInside(int width, int height) => X1 >= 0 && Y1 >= 0 && X2 <= width && Y2 <= height;

    public Box Scale(float sx, float sy) => new(X1 * sx, Y1 * sy, X2 * sx, Y2 * sy);

    public override string ToString() => $"[{X1:0.##}, {Y1:0.##}, {X2:0.##}, {Y2:0.##}]";
}
