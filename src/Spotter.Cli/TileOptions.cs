using System.CommandLine;
using Spotter.Inference;

namespace Spotter.Cli;

/// <summary><c>--tile auto|SIZE|none</c> and <c>--tile-overlap F</c>, shared by <c>detect</c>, <c>eval</c>, <c>serve</c> (sliced inference) and <c>train</c> (sliced training).</summary>
public sealed class TileOptions
{
    public Option<string?> Tile { get; } = new("--tile")
    {
        Description = "Sliced inference for images much larger than the model's input: 'auto' (the model's training tile, else its input size, in the image's own pixels), a tile side in pixels, or 'none'; the whole image runs too and the answers are merged. Default: as trained",
    };

    public Option<float> Overlap { get; } = new("--tile-overlap")
    {
        DefaultValueFactory = _ => Tiling.DefaultOverlap,
        Description = "How much neighbouring tiles overlap, as a fraction of a tile (0 to 0.9)",
    };

    public IEnumerable<Option> All => [Tile, Overlap];

    /// <summary>The tiling asked for, or null when <c>--tile</c> was not given or was 'none'.</summary>
    public Tiling? Parse(ParseResult parse) =>
        parse.GetValue(Tile) is { } text ? Tiling.Parse(text, parse.GetValue(Overlap)) : null;

    /// <summary>
    /// Sets the detector's tiling when <c>--tile</c> was given; otherwise a model trained on tiles
    /// keeps its own (said on <paramref name="error"/>), with the overlap given.
    /// </summary>
    public void Apply(ParseResult parse, IDetector detector, TextWriter error)
    {
        if (parse.GetValue(Tile) is not null) detector.Tiling = Parse(parse);
        else if (detector.Tiling is { } trained)
        {
            detector.Tiling = trained with { Overlap = parse.GetValue(Overlap) };
            error.WriteLine($"spotter: the model was trained on {trained.TileSize} px tiles, so large images run tiled (--tile none runs them whole)");
        }
    }
}
