using Spotter.Boxes;
using TorchSharp;
using static TorchSharp.torch;

namespace Spotter.Data.Loading;

/// <summary>
/// Applies <see cref="AugmentOptions"/> to a whole batch at once in libtorch: one affine warp per
/// image (flip, rotation about the centre, zoom about a chosen point) through affine_grid +
/// grid_sample with reflected borders (grey where a zoom-out shows beyond the image), then
/// per-image saturation, brightness and contrast. Boxes go through the same affine map; a rotated box becomes
/// the box around its four rotated corners, clipped to the image.
/// </summary>
public static class BatchAugmenter
{
    /// <summary>
    /// The random choices for one image. <see cref="Zoom"/> magnifies the view (above 1: a crop; below
    /// 1: the image shrunk onto a canvas); (<see cref="CentreX"/>, <see cref="CentreY"/>) is the input
    /// point, in -1..1 of the image's half-size, that lands at the output's centre.
    /// </summary>
    public readonly record struct Draw(bool Flip, double RotationRadians, float BrightnessShift, float ContrastScale, double Zoom = 1, double CentreX = 0, double CentreY = 0, float SaturationScale = 1)
    {
        public static readonly Draw Identity = new(false, 0, 0, 1);

        public bool Warps => Flip || RotationRadians != 0 || Zoom != 1 || CentreX != 0 || CentreY != 0;
    }

    /// <summary>What a zoom-out shows beyond the image: ImageNet's mean colour, zero once normalised.</summary>
    internal static readonly float[] CanvasColour = [0.485f, 0.456f, 0.406f];

    private static readonly float[] LumaWeights = [0.299f, 0.587f, 0.114f];

    public static Draw Sample(AugmentOptions options, Random rng)
    {
        var flip = rng.NextDouble() < options.FlipProbability;
        var rotate = options.MaxRotationDegrees > 0 && rng.NextDouble() < options.RotationProbability;
        var angle = rotate ? (rng.NextDouble() * 2 - 1) * options.MaxRotationDegrees * Math.PI / 180 : 0;
        var brightness = (float)((rng.NextDouble() * 2 - 1) * options.Brightness);
        var contrast = (float)(1 + (rng.NextDouble() * 2 - 1) * options.Contrast);
        // Drawn only when asked for, so a run without it sees exactly the draws it always did (zoom likewise).
        var saturation = options.Saturation > 0 ? (float)(1 + (rng.NextDouble() * 2 - 1) * options.Saturation) : 1;
        var draw = new Draw(flip, angle, brightness, contrast, SaturationScale: saturation);
        if (!options.Zooms || rng.NextDouble() >= options.ZoomProbability) return draw;
        var zoom = Math.Exp((rng.NextDouble() * 2 - 1) * Math.Log(options.MaxZoom));
        // A crop stays inside the image; a shrunk image stays inside the canvas.
        var room = Math.Abs(1 - 1 / zoom);
        return draw with { Zoom = zoom, CentreX = (rng.NextDouble() * 2 - 1) * room, CentreY = (rng.NextDouble() * 2 - 1) * room };
    }

    /// <summary>Warps N x 3 x S x S float images (0..1) according to each image's draw.</summary>
    public static Tensor Apply(Tensor images, IReadOnlyList<Draw> draws)
    {
        using var scope = NewDisposeScope();
        var n = images.shape[0];
        var x = images;
        // One grid_sample over the whole batch whenever any image flips or rotates. Flipping with a
        // plain column reversal, and sending only the rotated images through grid_sample, is 2-3x
        // cheaper, but grid_sample's sampling is not bit-exact at pixel centres, so the trained
        // model changes: the demo's held-out mAP@0.5 went from 0.950 to 0.925 in one run. At 25-45 ms
        // a batch the loader costs about 1 % of a training step on the CPU, so the exact form stays.
        if (draws.Any(d => d.Warps))
        {
            // affine_grid maps output coordinates (normalised to -1..1) to input ones: the inverse
            // of the forward map "move the centre point to the middle, flip, rotate, zoom":
            // input = centre + F * R(-angle) * output / zoom.
            var theta = new float[n * 6];
            for (var i = 0; i < n; i++)
            {
                var d = draws[i];
                var (c, s) = (Math.Cos(d.RotationRadians) / d.Zoom, Math.Sin(d.RotationRadians) / d.Zoom);
                var f = d.Flip ? -1.0 : 1.0;
                // R(-a) = [[c, s], [-s, c]]; F scales the first row.
                theta[6 * i + 0] = (float)(f * c);
                theta[6 * i + 1] = (float)(f * s);
                theta[6 * i + 2] = (float)d.CentreX;
                theta[6 * i + 3] = (float)-s;
                theta[6 * i + 4] = (float)c;
                theta[6 * i + 5] = (float)d.CentreY;
            }
            var grid = nn.functional.affine_grid(tensor(theta, [n, 2, 3], device: images.device), images.shape, align_corners: false);
            x = nn.functional.grid_sample(images, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Reflection, align_corners: false);
            if (draws.Any(d => d.Zoom < 1))
            {
                // Reflection would show mirrored, unlabelled objects around a shrunk image: paint the canvas instead.
                var shrunk = tensor(draws.Select(d => d.Zoom < 1).ToArray(), device: images.device).reshape(n, 1, 1);
                var outside = grid.abs().gt(1).any(-1).logical_and(shrunk).unsqueeze(1);
                x = where(outside, tensor(CanvasColour, device: images.device).reshape(1, 3, 1, 1), x);
            }
        }
        if (draws.Any(d => d.SaturationScale != 1))
        {
            // Blend each pixel with its luma (ITU-R 601 weights): below 1 towards grey, above 1 away from it.
            var saturation = tensor(draws.Select(d => d.SaturationScale).ToArray(), device: images.device).reshape(n, 1, 1, 1);
            var grey = (x * tensor(LumaWeights, device: images.device).reshape(1, 3, 1, 1)).sum(1, keepdim: true);
            x = (grey + (x - grey) * saturation).clamp(0, 1);
        }
        if (draws.Any(d => d.BrightnessShift != 0 || d.ContrastScale != 1))
        {
            var contrast = tensor(draws.Select(d => d.ContrastScale).ToArray(), device: images.device).reshape(n, 1, 1, 1);
            var brightness = tensor(draws.Select(d => d.BrightnessShift).ToArray(), device: images.device).reshape(n, 1, 1, 1);
            x = ((x - 0.5f) * contrast + 0.5f + brightness).clamp(0, 1);
        }
        return (ReferenceEquals(x, images) ? images.alias() : x).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Maps boxes of an S x S image through the draw's warp, clipped to the image, with which of
    /// them to keep: all, unless a zoom-in moved a box's centre out of view (SSD's rule for crops).
    /// </summary>
    public static (Box[] Boxes, bool[] Kept) Apply(Box[] boxes, Draw draw, int size)
    {
        var kept = Enumerable.Repeat(true, boxes.Length).ToArray();
        if (!draw.Warps) return (boxes, kept);
        var half = size / 2.0;
        var result = new Box[boxes.Length];
        for (var k = 0; k < boxes.Length; k++)
        {
            var b = boxes[k];
            var corners = new[] { (b.X1, b.Y1), (b.X2, b.Y1), (b.X1, b.Y2), (b.X2, b.Y2) }.Select(p => Map(p.Item1, p.Item2, draw, half)).ToArray();
            var mapped = new Box((float)corners.Min(p => p.X), (float)corners.Min(p => p.Y), (float)corners.Max(p => p.X), (float)corners.Max(p => p.Y));
            var (cx, cy) = Map((b.X1 + b.X2) / 2.0, (b.Y1 + b.Y2) / 2.0, draw, half);
            kept[k] = draw.Zoom <= 1 || (cx > 0 && cx < size && cy > 0 && cy < size);
            result[k] = mapped.ClipTo(size, size);
        }
        return (result, kept);
    }

    /// <summary>The forward map of a pixel point: about the centre point, flip, rotate by +angle (y down, as the grid), zoom.</summary>
    private static (double X, double Y) Map(double px, double py, Draw draw, double half)
    {
        var (c, s) = (Math.Cos(draw.RotationRadians), Math.Sin(draw.RotationRadians));
        var dx = px - half - draw.CentreX * half;
        var dy = py - half - draw.CentreY * half;
        if (draw.Flip) dx = -dx;
        return (half + draw.Zoom * (c * dx - s * dy), half + draw.Zoom * (s * dx + c * dy));
    }
}
