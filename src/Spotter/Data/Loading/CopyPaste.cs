using Spotter.Boxes;
using static TorchSharp.torch;

namespace Spotter.Data.Loading;

/// <summary>
/// Box-level copy-paste: an object cut out along its box from another training image and pasted
/// beside one of the view's own objects, at 70 to 100 % of that object's height, touching it or
/// overlapping it by up to <see cref="MaxOverlap"/> of the narrower width, on a drawn side (the
/// other when the paste does not fit there). Ghiasi et al.'s copy-paste pastes objects by their
/// masks at random places; detection datasets have only boxes, and placing the paste beside an
/// object is the point here: raccoon's costliest mistakes were one confident box spanning two
/// touching animals, a scene that 12 of its 160 training photos show, and each paste is such a
/// scene with each animal labelled on its own. The visible-fraction rule of mosaics and tiles
/// (<see cref="Mosaic.MinimumVisible"/>) decides where a paste may go: at least that share of the
/// paste in view, and of each of the view's objects left uncovered; where it cannot, the view is
/// left as it was. So a large object that fills the view gets no neighbour.
/// </summary>
public static class CopyPaste
{
    /// <summary>
    /// The most a paste overlaps its neighbour, as a share of the narrower of the two widths: so at
    /// most half of the neighbour is hidden, and it keeps its label (the two animals that a single box
    /// spanned in raccoon's test photos overlapped by 3 to 73 % of the narrower one).
    /// </summary>
    public const double MaxOverlap = 0.5;

    /// <summary>How far the paste's middle may sit above or below its neighbour's, as a share of the neighbour's height.</summary>
    public const double MaxShift = 0.25;

    /// <summary>The smallest paste's height, as a share of its neighbour's (the largest: the same).</summary>
    public const double MinHeight = 0.7;

    /// <summary>
    /// One paste: the donor image (an index into the loader's images), which of its objects and
    /// which of the view's objects it goes beside (each a share in 0..1 of the count, resolved once the
    /// counts are known), the side, the overlap (a share of the narrower width) and the vertical
    /// shift (a share of the neighbour's height), and its height (a share of the neighbour's).
    /// </summary>
    public readonly record struct Plan(int Donor, double DonorObject, double Neighbour, bool Left, double Overlap, double Shift, double Height);

    /// <summary>A paste with the given probability, its donor drawn from all <paramref name="count"/> images; else null.</summary>
    public static Plan? Sample(double probability, int count, Random rng)
    {
        if (probability <= 0 || rng.NextDouble() >= probability) return null;
        return new Plan(rng.Next(count), rng.NextDouble(), rng.NextDouble(), rng.NextDouble() < 0.5,
            rng.NextDouble() * MaxOverlap, (rng.NextDouble() * 2 - 1) * MaxShift, MinHeight + rng.NextDouble() * (1 - MinHeight));
    }

    /// <summary>
    /// Pastes per the plan into a copy of the 3 x S x S byte <paramref name="view"/> (the image
    /// store's form; the view itself is not written). Boxes are in S x S pixels; the donor's pixels
    /// are asked for only once the paste has a place (an image store that does not cache decodes them). Returns the new view
    /// with its boxes and classes (the view's, then the paste's), or null when there is nothing to
    /// paste beside, the donor has no objects, too little of the paste would be in view on either side,
    /// or it would hide too much of one of the view's objects.
    /// </summary>
    public static (Tensor Image, Box[] Boxes, int[] Classes)? Compose(Tensor view, Box[] boxes, int[] classes, Func<Tensor> donorPixels, Box[] donorBoxes, int[] donorClasses, Plan plan, int size)
    {
        if (boxes.Length == 0 || donorBoxes.Length == 0) return null;
        var donorObject = Pick(plan.DonorObject, donorBoxes.Length);
        var source = donorBoxes[donorObject];
        var neighbour = boxes[Pick(plan.Neighbour, boxes.Length)];
        var (sx0, sy0, sx1, sy1) = Pixels(source, size);
        if (sx1 <= sx0 || sy1 <= sy0 || neighbour.Height <= 0) return null;

        // The source at a share of the neighbour's height, its aspect kept, at most the view's size;
        // on the drawn side, else the other.
        var scale = Math.Min(plan.Height * neighbour.Height / (sy1 - sy0), (double)size / Math.Max(sx1 - sx0, sy1 - sy0));
        var (width, height) = (Math.Max(1, (int)Math.Round((sx1 - sx0) * scale)), Math.Max(1, (int)Math.Round((sy1 - sy0) * scale)));
        if ((Place(neighbour, width, height, plan, plan.Left, boxes, size) ?? Place(neighbour, width, height, plan, !plan.Left, boxes, size)) is not { } place) return null;
        var (left, top, visible) = place;

        using var scope = NewDisposeScope();
        var cut = view.clone();
        var crop = donorPixels().narrow(1, sy0, sy1 - sy0).narrow(2, sx0, sx1 - sx0).unsqueeze(0).to(float32);
        // Averaging shrinks without aliasing; enlarging interpolates.
        var resized = (scale < 1
                ? nn.functional.adaptive_avg_pool2d(crop, [height, width])
                : nn.functional.interpolate(crop, [height, width], mode: InterpolationMode.Bilinear, align_corners: false))
            .squeeze(0).round_().clamp_(0, 255).to(uint8);
        var (x0, y0, x1, y1) = ((int)visible.X1, (int)visible.Y1, (int)visible.X2, (int)visible.Y2);
        cut.narrow(1, y0, y1 - y0).narrow(2, x0, x1 - x0).copy_(resized.narrow(1, y0 - top, y1 - y0).narrow(2, x0 - left, x1 - x0));

        Box[] allBoxes = [.. boxes, visible];
        int[] allClasses = [.. classes, donorClasses[donorObject]];
        return (cut.MoveToOuterDisposeScope(), allBoxes, allClasses);
    }

    /// <summary>
    /// Where a width x height paste goes beside the neighbour on one side: its top-left corner and the
    /// part of it in view; null when less than the rule's share of it would be in view, or when it
    /// would hide more than the rule allows of one of the view's objects (an object mostly hidden
    /// but still in sight would train as background).
    /// </summary>
    private static (int Left, int Top, Box Visible)? Place(Box neighbour, int width, int height, Plan plan, bool onLeft, Box[] boxes, int size)
    {
        var overlap = plan.Overlap * Math.Min(width, neighbour.Width);
        var left = (int)Math.Round(onLeft ? neighbour.X1 + overlap - width : neighbour.X2 - overlap);
        var top = (int)Math.Round((neighbour.Y1 + neighbour.Y2) / 2 + plan.Shift * neighbour.Height - height / 2.0);
        var pasted = new Box(left, top, left + width, top + height);
        var visible = pasted.ClipTo(size, size);
        if (!visible.HasArea || visible.Area < Mosaic.MinimumVisible * pasted.Area) return null;
        return boxes.Any(b => b.Area - b.Intersection(visible) < Mosaic.MinimumVisible * b.Area) ? null : (left, top, visible);
    }

    private static int Pick(double share, int count) => Math.Min(count - 1, (int)(share * count));

    // A box's whole pixels within the S x S image: the smallest pixel rectangle that holds it.
    private static (int X0, int Y0, int X1, int Y1) Pixels(Box box, int size)
    {
        var clipped = box.ClipTo(size, size);
        return ((int)Math.Floor(clipped.X1), (int)Math.Floor(clipped.Y1), (int)Math.Ceiling(clipped.X2), (int)Math.Ceiling(clipped.Y2));
    }
}
