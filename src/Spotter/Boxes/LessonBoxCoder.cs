using static TorchSharp.torch;

namespace Spotter.Boxes;

/// <summary>
/// Lesson 9's decoding: t = tanh(activation); centre = anchor centre + t/2 x grid cell size;
/// size = anchor size x (1 + t/2). Bounded: a box stays near its anchor (its centre within half a
/// cell, its size between half and 1.5 times the anchor's).
/// </summary>
public sealed class LessonBoxCoder : IBoxCoder
{
    public Tensor Decode(Tensor activations, AnchorSet anchors)
    {
        using var scope = NewDisposeScope();
        var t = tanh(activations);
        var (acx, acy, aw, ah) = CentreSize.Of(anchors.Boxes);
        var cells = anchors.CellSizes;
        var cx = acx + t[TensorIndex.Ellipsis, 0] / 2 * cells[TensorIndex.Ellipsis, 0];
        var cy = acy + t[TensorIndex.Ellipsis, 1] / 2 * cells[TensorIndex.Ellipsis, 1];
        var w = aw * (1 + t[TensorIndex.Ellipsis, 2] / 2);
        var h = ah * (1 + t[TensorIndex.Ellipsis, 3] / 2);
        return CentreSize.Corners(cx, cy, w, h).MoveToOuterDisposeScope();
    }

    /// <summary>The inverse where it exists; targets outside the reachable range are clamped just inside it.</summary>
    public Tensor Encode(Tensor boxes, AnchorSet anchors)
    {
        using var scope = NewDisposeScope();
        var (acx, acy, aw, ah) = CentreSize.Of(anchors.Boxes);
        var (bcx, bcy, bw, bh) = CentreSize.Of(boxes);
        var cells = anchors.CellSizes;
        var t = stack([(bcx - acx) * 2 / cells[TensorIndex.Ellipsis, 0], (bcy - acy) * 2 / cells[TensorIndex.Ellipsis, 1], (bw / aw - 1) * 2, (bh / ah - 1) * 2], -1);
        return atanh(t.clamp(-0.999f, 0.999f)).MoveToOuterDisposeScope();
    }
}
