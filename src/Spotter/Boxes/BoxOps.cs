using Spotter.Runtime;
using static TorchSharp.torch;

namespace Spotter.Boxes;

/// <summary>Box geometry on tensors of corners (..., 4) = x1, y1, x2, y2. Pure functions.</summary>
public static class BoxOps
{
    public static Tensor Area(Tensor boxes)
    {
        using var scope = NewDisposeScope();
        var w = (boxes[TensorIndex.Ellipsis, 2] - boxes[TensorIndex.Ellipsis, 0]).clamp_min(Scalars.Of(0.0));
        var h = (boxes[TensorIndex.Ellipsis, 3] - boxes[TensorIndex.Ellipsis, 1]).clamp_min(Scalars.Of(0.0));
        return (w * h).MoveToOuterDisposeScope();
    }

    /// <summary>IoU of each box in <paramref name="a"/> (N x 4) with every box in <paramref name="b"/> (M x 4): N x M.</summary>
    public static Tensor Iou(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        var topLeft = maximum(a[.., TensorIndex.None, ..2], b[TensorIndex.None, .., ..2]);
        var bottomRight = minimum(a[.., TensorIndex.None, 2..], b[TensorIndex.None, .., 2..]);
        var wh = (bottomRight - topLeft).clamp_min(Scalars.Of(0.0));
        var intersection = wh[TensorIndex.Ellipsis, 0] * wh[TensorIndex.Ellipsis, 1];
        var union = Area(a)[.., TensorIndex.None] + Area(b)[TensorIndex.None, ..] - intersection;
        return (intersection / union.clamp_min(Scalars.Of(1e-9))).MoveToOuterDisposeScope();
    }

    /// <summary>IoU of matching rows: a[i] with b[i], both N x 4: N.</summary>
    public static Tensor AlignedIou(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        var (intersection, union) = AlignedOverlap(a, b);
        return (intersection / union).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Generalised IoU of matching rows (N): IoU minus the share of the smallest box enclosing
    /// both that neither covers. 1 for identical boxes, towards -1 for far-apart ones, so it still
    /// has a gradient when the boxes do not overlap.
    /// </summary>
    public static Tensor AlignedGiou(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        var (intersection, union) = AlignedOverlap(a, b);
        var enclosingWh = (maximum(a[.., 2..], b[.., 2..]) - minimum(a[.., ..2], b[.., ..2])).clamp_min(0);
        var enclosing = (enclosingWh[.., 0] * enclosingWh[.., 1]).clamp_min(1e-9);
        return (intersection / union - (enclosing - union) / enclosing).MoveToOuterDisposeScope();
    }

    /// <summary>Intersection and union (kept above 1e-9) of matching rows, in the caller's dispose scope.</summary>
    private static (Tensor Intersection, Tensor Union) AlignedOverlap(Tensor a, Tensor b)
    {
        var wh = (minimum(a[.., 2..], b[.., 2..]) - maximum(a[.., ..2], b[.., ..2])).clamp_min(0);
        var intersection = wh[.., 0] * wh[.., 1];
        return (intersection, (Area(a) + Area(b) - intersection).clamp_min(1e-9));
    }
}
