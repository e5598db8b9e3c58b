using System.Globalization;
using SkiaSharp;

namespace Spotter.Inference;

/// <summary>
/// Sliced inference for images much larger than the network input: the image is cut into
/// overlapping square tiles of <see cref="TileSize"/> of its own pixels (null = auto: the tile size the
/// model was trained on, else its input size, so tiles run at native resolution), each tile squashed to the input as usual, plus
/// the whole image squashed (it finds the objects too large for a tile); the detections are mapped
/// back and merged (<see cref="TileMerge"/>). An image no larger than 1.5 tiles on both sides is
/// run whole, as without tiling. Small objects that the squash would shrink to a few pixels keep
/// their size; the cost grows with the number of tiles.
/// </summary>
public sealed record Tiling(int? TileSize = null, float Overlap = Tiling.DefaultOverlap)
{
    public const float DefaultOverlap = 0.2f;

    /// <summary>An image is tiled only when a side exceeds this many tiles.</summary>
    public const float MinimumTilesPerSide = 1.5f;

    // Checked when made and in every 'with' (a property initializer alone skips the init accessor).
    public int? TileSize { get; init => field = CheckedSize(value); } = CheckedSize(TileSize);

    public float Overlap { get; init => field = CheckedOverlap(value); } = CheckedOverlap(Overlap);

    private static int? CheckedSize(int? size) =>
        size is null or >= 32 ? size : throw new SpotterException("--tile must be 'auto' or a size of at least 32 pixels");

    private static float CheckedOverlap(float overlap) =>
        overlap is >= 0 and < 0.9f ? overlap : throw new SpotterException("--tile-overlap must be from 0 to below 0.9");

    /// <summary>"auto", "none" (null: no tiling) or a whole number of pixels, as typed after <c>--tile</c>.</summary>
    public static Tiling? Parse(string text, float overlap = DefaultOverlap)
    {
        if (text.Equals("none", StringComparison.OrdinalIgnoreCase)) return null;
        if (text.Equals("auto", StringComparison.OrdinalIgnoreCase)) return new Tiling(null, overlap);
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var size)) return new Tiling(size, overlap);
        throw new SpotterException($"--tile must be 'auto', 'none' or a size in pixels (got '{text}')");
    }

    /// <summary>The tile side in the image's pixels for a model with this input size.</summary>
    public int SideFor(int inputSize) => TileSize ?? inputSize;

    /// <summary>
    /// The tiles of a width x height image (rectangles in its pixels), row by row; empty when the
    /// image is small enough to run whole. Tiles along a side are spread evenly from edge to edge,
    /// neighbours overlapping by at least <see cref="Overlap"/> of a tile.
    /// </summary>
    public IReadOnlyList<SKRectI> Plan(int width, int height, int inputSize)
    {
        var side = SideFor(inputSize);
        if (width <= side * MinimumTilesPerSide && height <= side * MinimumTilesPerSide) return [];
        var columns = Starts(width, side);
        var rows = Starts(height, side);
        return rows.SelectMany(y => columns.Select(x => SKRectI.Create(x, y, Math.Min(side, width), Math.Min(side, height)))).ToList();
    }

    // Starts of the tiles along one side: first at 0, last flush with the end, evenly between.
    private int[] Starts(int length, int side)
    {
        if (length <= side) return [0];
        var stride = side * (1 - Overlap);
        var count = (int)Math.Ceiling((length - side) / stride) + 1;
        return Enumerable.Range(0, count).Select(i => (int)Math.Round(i * (double)(length - side) / (count - 1))).ToArray();
    }
}
