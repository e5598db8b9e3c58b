using static TorchSharp.torch;

namespace Spotter.Boxes;

/// <summary>How a detection head's 4 numbers per anchor become a box, and back.</summary>
public interface IBoxCoder
{
    /// <summary>Boxes (A x 4 corners) from activations (A x 4) and anchors (A x 4).</summary>
    Tensor Decode(Tensor activations, Tensor anchors);

    /// <summary>The activations that decode to <paramref name="boxes"/> (the regression target).</summary>
    Tensor Encode(Tensor boxes, Tensor anchors);

    /// <summary>The coder for a subset of the anchors (those at <paramref name="anchorIndex"/>).</summary>
    IBoxCoder Subset(Tensor anchorIndex);
}

/// <summary>
/// Standard SSD offsets: (dx, dy) = (centre shift / anchor size) / 0.1 and (dw, dh) =
/// log(size ratio) / 0.2 (the "variances"). Unbounded: a box can be anywhere.
/// </summary>
public sealed class SsdBoxCoder(double centreVariance = 0.1, double sizeVariance = 0.2) : IBoxCoder
{
    public IBoxCoder Subset(Tensor anchorIndex) => this;

    public Tensor Decode(Tensor activations, Tensor anchors)
    {
        using var scope = NewDisposeScope();
        var (acx, acy, aw, ah) = CentreSize(anchors);
        var cx = acx + activations[TensorIndex.Ellipsis, 0] * centreVariance * aw;
        var cy = acy + activations[TensorIndex.Ellipsis, 1] * centreVariance * ah;
        var w = aw * exp(activations[TensorIndex.Ellipsis, 2] * sizeVariance);
        var h = ah * exp(activations[TensorIndex.Ellipsis, 3] * sizeVariance);
        return Corners(cx, cy, w, h).MoveToOuterDisposeScope();
    }

    public Tensor Encode(Tensor boxes, Tensor anchors)
    {
        using var scope = NewDisposeScope();
        var (acx, acy, aw, ah) = CentreSize(anchors);
        var (bcx, bcy, bw, bh) = CentreSize(boxes);
        return stack([
            (bcx - acx) / aw / centreVariance,
            (bcy - acy) / ah / centreVariance,
            log(bw / aw) / sizeVariance,
            log(bh / ah) / sizeVariance], -1).MoveToOuterDisposeScope();
    }

    internal static (Tensor Cx, Tensor Cy, Tensor W, Tensor H) CentreSize(Tensor corners)
    {
        var w = corners[TensorIndex.Ellipsis, 2] - corners[TensorIndex.Ellipsis, 0];
        var h = corners[TensorIndex.Ellipsis, 3] - corners[TensorIndex.Ellipsis, 1];
        return (corners[TensorIndex.Ellipsis, 0] + w / 2, corners[TensorIndex.Ellipsis, 1] + h / 2, w, h);
    }

    internal static Tensor Corners(Tensor cx, Tensor cy, Tensor w, Tensor h) =>
        stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], -1);
}

/// <summary>
/// Lesson 9's decoding: t = tanh(activation); centre = anchor centre + t/2 x grid cell size;
/// size = anchor size x (1 + t/2). Bounded: a box stays near its anchor (its centre within half a
/// cell, its size between half and 1.5 times the anchor's).
/// </summary>
public sealed class LessonBoxCoder(Tensor cellSizes) : IBoxCoder
{
    public IBoxCoder Subset(Tensor anchorIndex) => new LessonBoxCoder(cellSizes.to(anchorIndex.device).index_select(0, anchorIndex));

    public Tensor Decode(Tensor activations, Tensor anchors)
    {
        using var scope = NewDisposeScope();
        var t = tanh(activations);
        var (acx, acy, aw, ah) = SsdBoxCoder.CentreSize(anchors);
        var cell = cellSizes.to(activations.device);
        var cx = acx + t[TensorIndex.Ellipsis, 0] / 2 * cell;
        var cy = acy + t[TensorIndex.Ellipsis, 1] / 2 * cell;
        var w = aw * (1 + t[TensorIndex.Ellipsis, 2] / 2);
        var h = ah * (1 + t[TensorIndex.Ellipsis, 3] / 2);
        return SsdBoxCoder.Corners(cx, cy, w, h).MoveToOuterDisposeScope();
    }

    /// <summary>The inverse where it exists; targets outside the reachable range are clamped just inside it.</summary>
    public Tensor Encode(Tensor boxes, Tensor anchors)
    {
        using var scope = NewDisposeScope();
        var (acx, acy, aw, ah) = SsdBoxCoder.CentreSize(anchors);
        var (bcx, bcy, bw, bh) = SsdBoxCoder.CentreSize(boxes);
        var cell = cellSizes.to(boxes.device);
        var t = stack([(bcx - acx) * 2 / cell, (bcy - acy) * 2 / cell, (bw / aw - 1) * 2, (bh / ah - 1) * 2], -1);
        return atanh(t.clamp(-0.999f, 0.999f)).MoveToOuterDisposeScope();
    }
}
