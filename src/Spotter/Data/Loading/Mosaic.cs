using Spotter.Boxes;
using static TorchSharp.torch;

namespace Spotter.Data.Loading;

/// <summary>
/// Mosaic augmentation (YOLOv4's, on by default in Ultralytics' training): four training images,
/// each at half the input size, laid out 2 x 2 around a random centre point, so a training view
/// holds several objects from different photos side by side, each of them smaller. On raccoon the
/// detector's costliest mistakes were confident boxes around two neighbouring animals (or a raccoon
/// and a skunk) where the photos almost always show one: a mosaic shows it neighbours that are
/// separate objects. The centre point falls in the middle half of the view, so each quadrant's image
/// is cut at the view's edges; an object keeps its label when at least <see cref="MinimumVisible"/>
/// of its area stays in view (the rule of sliced training), clipped to the view.
/// </summary>
public static class Mosaic
{
    public const float MinimumVisible = TileViews.MinimumVisible;

    // The zoom-out canvas's colour (ImageNet's mean) in bytes.
    private static readonly byte[] CanvasBytes = BatchAugmenter.CanvasColour.Select(c => (byte)Math.Round(c * 255)).ToArray();

    /// <summary>The share of a run's last epochs trained without mosaics (Ultralytics closes the last 10 of 100 or more).</summary>
    public const double ClosingFraction = 0.15;

    /// <summary>How many of a fit's last epochs leave mosaics out: <see cref="ClosingFraction"/> of them, at least one.</summary>
    public static int ClosingEpochs(int epochs) => Math.Max(1, (int)Math.Round(ClosingFraction * epochs));

    /// <summary>
    /// One mosaic: the three other images (indices into the loader's images; the first quadrant is the
    /// image itself) and the centre point in pixels of the S x S view.
    /// </summary>
    public readonly record struct Layout(int[] Others, int CentreX, int CentreY);

    /// <summary>A mosaic with the given probability, its other images drawn from all <paramref name="count"/>; else null.</summary>
    public static Layout? Sample(double probability, int count, int size, Random rng)
    {
        if (probability <= 0 || rng.NextDouble() >= probability) return null;
        var others = new[] { rng.Next(count), rng.Next(count), rng.Next(count) };
        return new Layout(others, size / 4 + rng.Next(size / 2 + 1), size / 4 + rng.Next(size / 2 + 1));
    }

    /// <summary>
    /// Lays out four 3 x S x S byte images (the image store's) with their boxes (S x S pixels) around
    /// the centre: the first top-left of it, then top-right, bottom-left, bottom-right, each halved.
    /// Returns the S x S view, in bytes as the store's images so that a batch is converted to floats
    /// once, and, per kept box, its box and which source image and object it came from.
    /// </summary>
    public static (Tensor Image, List<(Box Box, int Source, int Object)> Boxes) Compose(IReadOnlyList<Tensor> images, IReadOnlyList<Box[]> boxes, Layout layout, int size)
    {
        if (images.Count != 4 || boxes.Count != 4) throw new ArgumentException("a mosaic takes four images");
        if (size % 2 != 0) throw new ArgumentException("a mosaic needs an even input size", nameof(size));
        using var scope = NewDisposeScope();
        var half = size / 2;
        // Averaging 2 x 2 pixels halves an image without the aliasing of sampling every other pixel.
        var halves = nn.functional.avg_pool2d(stack(images).to(float32), 2).round_().to(uint8);
        var view = tensor(CanvasBytes, device: halves.device).reshape(3, 1, 1).expand(3, size, size).clone();
        var kept = new List<(Box, int, int)>();
        for (var q = 0; q < 4; q++)
        {
            // The quadrant's image in view pixels: its corner at the centre, cut at the view's edges.
            var left = q % 2 == 0 ? layout.CentreX - half : layout.CentreX;
            var top = q < 2 ? layout.CentreY - half : layout.CentreY;
            var (x0, y0) = (Math.Max(0, left), Math.Max(0, top));
            var (x1, y1) = (Math.Min(size, left + half), Math.Min(size, top + half));
            if (x1 > x0 && y1 > y0)
                view.narrow(1, y0, y1 - y0).narrow(2, x0, x1 - x0).copy_(halves[q].narrow(1, y0 - top, y1 - y0).narrow(2, x0 - left, x1 - x0));
            for (var k = 0; k < boxes[q].Length; k++)
            {
                var b = boxes[q][k];
                var placed = new Box(b.X1 / 2 + left, b.Y1 / 2 + top, b.X2 / 2 + left, b.Y2 / 2 + top);
                var clipped = placed.ClipTo(size, size);
                if (clipped.HasArea && clipped.Area >= MinimumVisible * placed.Area) kept.Add((clipped, q, k));
            }
        }
        return (view.MoveToOuterDisposeScope(), kept);
    }
}
