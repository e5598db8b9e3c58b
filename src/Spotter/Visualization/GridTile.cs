using SkiaSharp;
using Spotter.Data;
using Spotter.Runtime;

namespace Spotter.Visualization;

/// <summary>One cell of a grid: an image file, the boxes drawn on it, and a caption under it.</summary>
public sealed record GridTile(string ImagePath, IReadOnlyList<DrawnBox> Boxes, string Caption);
