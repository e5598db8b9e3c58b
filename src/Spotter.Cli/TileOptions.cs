using System.CommandLine;
using Spotter.Inference;

namespace Spotter.Cli;

/// <summary><c>--tile auto|SIZE</c> and <c>--tile-overlap F</c> (sliced inference), shared by <c>detect</c> and <c>eval</c>.</summary>
public sealed class TileOptions
{
    public Option<string?> Tile { get; } = new("--tile")
    {
        Description = "Sliced inference for images much larger than the model's input: 'auto' (tiles of the input size in the image's own pixels) or a tile side in pixels; the whole image runs too and the answers are merged",
    };

    public Option<float> Overlap { get; } = new("--tile-overlap")
    {
        DefaultValueFactory = _ => Tiling.DefaultOverlap,
        Description = "How much neighbouring tiles overlap, as a fraction of a tile (0 to 0.9)",
    };

    public IEnumerable<Option> All => [Tile, Overlap];

    /// <summary>The tiling asked for, or null when <c>--tile</c> was not given.</summary>
    public Tiling? Parse(ParseResult parse) =>
        parse.GetValue(Tile) is { } text ? Tiling.Parse(text, parse.GetValue(Overlap)) : null;
}
