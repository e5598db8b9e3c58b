using Spotter.Boxes;
using TorchSharp;
using static TorchSharp.torch;

namespace Spotter.Data.Loading;

/// <summary>
/// Applies <see cref="AugmentOptions"/> to a whole batch at once in libtorch: one affine warp per
/// image (flip, rotation about the centre) through affine_grid + grid_sample with reflected
/// borders, then per-image brightness and contrast. Boxes go through the same affine map; a
/// rotated box becomes the box around its four rotated corners, clipped to the image.
/// </summary>
public static class BatchAugmenter
{
    /// <summary>The random choices for one image.</summary>
    public readonly record struct Draw(bool Flip, double RotationRadians, float BrightnessShift, float ContrastScale)
    {
        public static readonly Draw Identity = new(false, 0, 0, 1);
    }

    public static Draw Sample(AugmentOptions options, Random rng)
    {
        var flip = rng.NextDouble() < options.FlipProbability;
        var rotate = options.MaxRotationDegrees > 0 && rng.NextDouble() < options.RotationProbability;
        var angle = rotate ? (rng.NextDouble() * 2 - 1) * options.MaxRotationDegrees * Math.PI / 180 : 0;
        var brightness = (float)((rng.NextDouble() * 2 - 1) * options.Brightness);
        var contrast = (float)(1 + (rng.NextDouble() * 2 - 1) * options.Contrast);
        return new Draw(flip, angle, brightness, contrast);
    }

    /// <summary>Warps N x 3 x S x S float images (0..1) according to each image's draw.</summary>
    public static Tensor Apply(Tensor images, IReadOnlyList<Draw> draws)
    {
        using var scope = NewDisposeScope();
        var n = images.shape[0];
        var x = images;
        // Only the images that rotate go through grid_sample (the costly part); a flip alone is a
        // plain column reversal; the rest are left as they are.
        var rotated = Enumerable.Range(0, (int)n).Where(i => draws[i].RotationRadians != 0).ToArray();
        var flippedOnly = Enumerable.Range(0, (int)n).Where(i => draws[i].Flip && draws[i].RotationRadians == 0).ToArray();
        if (rotated.Length > 0 || flippedOnly.Length > 0)
        {
            x = images.clone();
            if (flippedOnly.Length > 0)
            {
                var index = tensor(flippedOnly.Select(i => (long)i).ToArray(), device: images.device);
                x.index_copy_(0, index, images.index_select(0, index).flip(3));
            }
            if (rotated.Length > 0)
            {
                var index = tensor(rotated.Select(i => (long)i).ToArray(), device: images.device);
                var subset = images.index_select(0, index);
                // affine_grid maps output coordinates (normalised to -1..1) to input ones: the inverse
                // of the forward map "flip, then rotate": input = F * R(-angle) * output.
                var theta = new float[rotated.Length * 6];
                for (var k = 0; k < rotated.Length; k++)
                {
                    var draw = draws[rotated[k]];
                    var (c, sin) = (Math.Cos(draw.RotationRadians), Math.Sin(draw.RotationRadians));
                    var f = draw.Flip ? -1.0 : 1.0;
                    // R(-a) = [[c, s], [-s, c]]; F scales the first row.
                    theta[6 * k + 0] = (float)(f * c);
                    theta[6 * k + 1] = (float)(f * sin);
                    theta[6 * k + 3] = (float)-sin;
                    theta[6 * k + 4] = (float)c;
                }
                var grid = nn.functional.affine_grid(tensor(theta, [rotated.Length, 2, 3], device: images.device), subset.shape, align_corners: false);
                x.index_copy_(0, index, nn.functional.grid_sample(subset, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Reflection, align_corners: false));
            }
        }
        if (draws.Any(d => d.BrightnessShift != 0 || d.ContrastScale != 1))
        {
            var contrast = tensor(draws.Select(d => d.ContrastScale).ToArray(), device: images.device).reshape(n, 1, 1, 1);
            var brightness = tensor(draws.Select(d => d.BrightnessShift).ToArray(), device: images.device).reshape(n, 1, 1, 1);
            x = ((x - 0.5f) * contrast + 0.5f + brightness).clamp(0, 1);
        }
        return (ReferenceEquals(x, images) ? images.alias() : x).MoveToOuterDisposeScope();
    }

    /// <summary>Maps boxes of an S x S image through the draw's flip and rotation.</summary>
    public static Box[] Apply(Box[] boxes, Draw draw, int size)
    {
        if (!draw.Flip && draw.RotationRadians == 0) return boxes;
        var (c, s) = (Math.Cos(draw.RotationRadians), Math.Sin(draw.RotationRadians));
        var half = size / 2.0;
        var result = new Box[boxes.Length];
        for (var k = 0; k < boxes.Length; k++)
        {
            var b = boxes[k];
            double minX = double.MaxValue, minY = double.MaxValue, maxX = double.MinValue, maxY = double.MinValue;
            foreach (var (px, py) in new[] { (b.X1, b.Y1), (b.X2, b.Y1), (b.X1, b.Y2), (b.X2, b.Y2) })
            {
                var dx = px - half;
                var dy = py - half;
                if (draw.Flip) dx = -dx;
                // Rotation by +angle in image coordinates (y down), matching the grid above.
                var rx = c * dx - s * dy;
                var ry = s * dx + c * dy;
                minX = Math.Min(minX, rx); maxX = Math.Max(maxX, rx);
                minY = Math.Min(minY, ry); maxY = Math.Max(maxY, ry);
            }
            result[k] = new Box((float)(minX + half), (float)(minY + half), (float)(maxX + half), (float)(maxY + half)).ClipTo(size, size);
        }
        return result;
    }
}
