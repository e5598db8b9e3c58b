using SkiaSharp;
using Spotter.Boxes;

namespace Spotter.Inference;

/// <summary>
/// Merges the detections of an image's tiles and of the whole image (<see cref="Tiling"/>), all in
/// the image's pixels, class by class, greedily. Two kinds of duplicate appear: the same object
/// found whole by two overlapping tiles (nearly the same box), and an object cut by a tile's edge
/// (a partial box inside the whole one, found by the next tile or by the whole-image view). So a
/// box touching an inner tile edge is "cut" and ranks after every uncut box, whatever its score;
/// a kept box removes later boxes of its class that overlap it by the model's NMS IoU, or - when
/// either is cut or comes from the whole, coarse view - that lie mostly inside one another
/// (intersection over the smaller area at least <see cref="InsideFraction"/>, the rule SAHI merges
/// by). Two whole boxes from tiles are kept apart by IoU alone, so touching objects both stay.
/// A kept box from the whole image takes the box of the best uncut tile box it removes when the
/// two are of similar size (the same object, seen at finer resolution in the tile).
/// </summary>
public static class TileMerge
{
    public const float InsideFraction = 0.5f;

    /// <summary>A box within this fraction of the tile's side from an inner edge is taken as cut.</summary>
    public const float EdgeMargin = 0.02f;

    /// <summary>A detection in image pixels, and where it came from.</summary>
    public readonly record struct Found(Detection Detection, bool Cut, bool FromWholeImage);

    /// <summary>Whether a box (image pixels) found in <paramref name="tile"/> touches one of its edges that is not the image's edge.</summary>
    public static bool IsCut(Box box, SKRectI tile, int imageWidth, int imageHeight)
    {
        var margin = EdgeMargin * Math.Max(tile.Width, tile.Height);
        return (tile.Left > 0 && box.X1 <= tile.Left + margin)
            || (tile.Top > 0 && box.Y1 <= tile.Top + margin)
            || (tile.Right < imageWidth && box.X2 >= tile.Right - margin)
            || (tile.Bottom < imageHeight && box.Y2 >= tile.Bottom - margin);
    }

    /// <summary>The merged detections, best first.</summary>
    public static IReadOnlyList<Detection> Merge(IReadOnlyList<Found> found, float nmsIou)
    {
        var order = found.OrderBy(f => f.Cut).ThenByDescending(f => f.Detection.Score).ToList();
        var removed = new bool[order.Count];
        var kept = new List<Detection>();
        for (var i = 0; i < order.Count; i++)
        {
            if (removed[i]) continue;
            var lead = order[i];
            var result = lead.Detection;
            var refined = false;
            for (var j = i + 1; j < order.Count; j++)
            {
                if (removed[j] || order[j].Detection.ClassIndex != lead.Detection.ClassIndex || !Duplicates(lead, order[j], nmsIou)) continue;
                removed[j] = true;
                if (!refined && lead.FromWholeImage && order[j] is { Cut: false, FromWholeImage: false } fine && SimilarSize(lead.Detection.Box, fine.Detection.Box))
                {
                    result = result with { Box = fine.Detection.Box };
                    refined = true;
                }
            }
            kept.Add(result);
        }
        return kept.OrderByDescending(d => d.Score).ToList();
    }

    private static bool SimilarSize(Box a, Box b) => a.Area > 0 && b.Area > 0 && Math.Max(a.Area, b.Area) <= 2 * Math.Min(a.Area, b.Area);

    private static bool Duplicates(Found a, Found b, float nmsIou)
    {
        var (boxA, boxB) = (a.Detection.Box, b.Detection.Box);
        if (boxA.Iou(boxB) >= nmsIou) return true;
        if (!(a.Cut || b.Cut || a.FromWholeImage || b.FromWholeImage)) return false;
        var smaller = Math.Min(boxA.Area, boxB.Area);
        return smaller > 0 && boxA.Intersection(boxB) >= InsideFraction * smaller;
    }
}
