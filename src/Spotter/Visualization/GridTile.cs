using SkiaSharp;

namespace Spotter.Visualization;

/// <summary>
/// One cell of a grid: an image file, the boxes drawn on it, and a caption under it. With
/// <see cref="Pixels"/> the cell shows that bitmap (which the caller owns) instead of the file: a
/// training view as the model is given it.
/// </summary>
public sealed record GridTile(string ImagePath, IReadOnlyList<DrawnBox> Boxes, string Caption, SKBitmap? Pixels = null);
