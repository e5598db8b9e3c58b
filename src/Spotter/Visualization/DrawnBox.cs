using SkiaSharp;
using Spotter.Boxes;

namespace Spotter.Visualization;

/// <summary>A box to draw, in the pixels of its image, with its label and colour.</summary>
public sealed record DrawnBox(Box Box, string Label, SKColor Colour);
