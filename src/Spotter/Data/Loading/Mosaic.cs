using Spotter.Boxes;
using static TorchSharp.torch;

namespace Spotter.Data.Loading;

/// <summary>
/// Mosaic augmentation (YOLOv4's, on by default in Ultralytics' training): four training images,
/// each scaled to a share of the input size (half by default; Ultralytics keeps them whole), laid out
/// 2 x 2 around a random centre point, so a training view holds several objects from different
/// photos side by side: at half size each of them smaller, at full size as large as in its photo. On raccoon the
/// detector's costliest mistakes were confident boxes around two neighbouring animals (or a raccoon
/// and a skunk) where the photos almost always show one: a mosaic shows it neighbours that are
/// separate objects. The centre point falls within one quadrant's side of the view's middle (its
/// middle half for half-size images, anywhere for whole ones), so each image is cut at the view's edges; an object keeps its label when at least <see cref="MinimumVisible"/>
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

    /// <summary>The share of the input size each image is scaled to when not given (YOLOv4's mosaic).</summary>
    public const double DefaultScale = 0.5;

    /// <summary>
    /// One mosaic: the three other images (indices into the loader's images; the first quadrant is the
    /// image itself), the centre point in pixels of the S x S view, and the side in pixels that each
    /// image is scaled to.
    /// </summary>
    public readonly record struct Layout(int[] Others, int CentreX, int CentreY, int Side);

    /// <summary>
    /// A mosaic with the given probability, its other images drawn from all <paramref name="count"/>,
    /// each scaled to <paramref name="scale"/> of the <paramref name="size"/>; else null.
    /// </summary>
    public static Layout? Sample(double probability, int count, int size, Random rng, double scale = DefaultScale)
    {
        if (probability <= 0 || rng.NextDouble() >= probability) return null;
        var others = new[] { rng.Next(count), rng.Next(count), rng.Next(count) };
        var side = (int)Math.Round(scale * size);
        var low = (size - side) / 2; // the centre stays within half a side of the view's middle
        return new Layout(others, low + rng.Next(side + 1), low + rng.Next(side + 1), side);
    }

    /// <summary>
    /// Lays out four 3 x S x S byte images (the image store's) with their boxes (S x S pixels) around
    /// the centre: the first top-left of it, then top-right, bottom-left, bottom-right, each scaled to
    /// the layout's side.
    /// Returns the S x S view, in bytes as the store's images so that a batch is converted to floats
    /// once, and, per kept box, its box and which source image and object it came from.
    /// </summary>
    public static (Tensor Image, List<(Box Box, int Source, int Object)> Boxes) Compose(IReadOnlyList<Tensor> images, IReadOnlyList<Box[]> boxes, Layout layout, int size)
    {
        if (images.Count != 4 || boxes.Count != 4) throw new ArgumentException("a mosaic takes four images");
        var side = layout.Side;
        if (side < 1 || side > size) throw new ArgumentException($"a mosaic's images are 1 to {size} pixels wide, not {side}", nameof(layout));
        using var scope = NewDisposeScope();
        // Averaging the pixels that fall in each new one shrinks an image without the aliasing of
        // sampling them (at half size: the mean of 2 x 2); whole images are copied from as they are.
        var scaled = side == size ? images : nn.functional.adaptive_avg_pool2d(stack(images).to(float32), [side, side]).round_().to(uint8).unbind(0);
        var view = tensor(CanvasBytes, device: images[0].device).reshape(3, 1, 1).expand(3, size, size).clone();
        var factor = (float)side / size;
        var kept = new List<(Box, int, int)>();
        for (var q = 0; q < 4; q++)
        {
            // The quadrant's image in view pixels: its corner at the centre, cut at the view's edges.
            var left = q % 2 == 0 ? layout.CentreX - side : layout.CentreX;
            var top = q < 2 ? layout.CentreY - side : layout.CentreY;
            var (x0, y0) = (Math.Max(0, left), Math.Max(0, top));
            var (x1, y1) = (Math.Min(size, left + side), Math.Min(size, top + side));
            if (x1 > x0 && y1 > y0)
                view.narrow(1, y0, y1 - y0).narrow(2, x0, x1 - x0).copy_(scaled[q].narrow(1, y0 - top, y1 - y0).narrow(2, x0 - left, x1 - x0));
            for (var k = 0; k < boxes[q].Length; k++)
            {
                var b = boxes[q][k];
                var placed = new Box(b.X1 * factor + left, b.Y1 * factor + top, b.X2 * factor + left, b.Y2 * factor + top);
                var clipped = placed.ClipTo(size, size);
                if (clipped.HasArea && clipped.Area >= MinimumVisible * placed.Area) kept.Add((clipped, q, k));
            }
        }
        return (view.MoveToOuterDisposeScope(), kept);
    }
}
