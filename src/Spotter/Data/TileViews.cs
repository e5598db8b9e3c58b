using Spotter.Boxes;
using Spotter.Inference;

namespace Spotter.Data;

/// <summary>
/// Sliced training: a large image becomes the tiles that sliced inference (<see cref="Tiling"/>)
/// would cut from it, each a training image of its own at (near) native resolution, so objects of
/// 20 px in a 4000 x 3000 photo train at 20 px instead of 2. A tile keeps the objects of which at
/// least <see cref="MinimumVisible"/> of the area lies inside it, clipped to it; a tile with none is
/// left out. The whole image stays too when some object is still at least
/// <see cref="MinimumWholeSide"/> px on both sides once squashed to the input (the objects too large
/// for a tile); it keeps only those, as the whole view at inference finds only those. Images no
/// larger than 1.5 tiles stay as they are. Background images (<c>--negatives</c>) have no objects
/// on purpose: with <c>keepEmpty</c> every tile of theirs, and the whole view, is kept.
/// </summary>
public static class TileViews
{
    public const float MinimumVisible = 0.5f;
    public const float MinimumWholeSide = 8f;

    public static IReadOnlyList<ImageRecord> Cut(IReadOnlyList<ImageRecord> images, Tiling tiling, int inputSize, bool keepEmpty = false)
    {
        var views = new List<ImageRecord>(images.Count);
        foreach (var image in images)
        {
            var tiles = tiling.Plan(image.Width, image.Height, inputSize);
            if (tiles.Count == 0)
            {
                views.Add(image);
                continue;
            }
            var (sx, sy) = ((float)inputSize / image.Width, (float)inputSize / image.Height);
            var large = image.Objects.Where(o => o.Box.Width * sx >= MinimumWholeSide && o.Box.Height * sy >= MinimumWholeSide).ToList();
            if (large.Count > 0 || keepEmpty) views.Add(image with { Objects = large });
            foreach (var tile in tiles)
            {
                var inside = image.Objects.Select(o => InTile(o, tile)).OfType<LabeledBox>().ToList();
                if (inside.Count > 0 || keepEmpty)
                    views.Add(image with { Id = $"{image.Id}@{tile.Left},{tile.Top}", Width = tile.Width, Height = tile.Height, Objects = inside, Region = tile });
            }
        }
        return views;
    }

    // The object in the tile's pixels, clipped, or null when less than MinimumVisible of it is inside.
    private static LabeledBox? InTile(LabeledBox o, SkiaSharp.SKRectI tile)
    {
        var shifted = new Box(o.Box.X1 - tile.Left, o.Box.Y1 - tile.Top, o.Box.X2 - tile.Left, o.Box.Y2 - tile.Top);
        var clipped = shifted.ClipTo(tile.Width, tile.Height);
        return clipped.HasArea && clipped.Area >= MinimumVisible * o.Box.Area ? o with { Box = clipped } : null;
    }
}
