using Spotter.Runtime;
using static TorchSharp.torch;

namespace Spotter.Boxes;

/// <summary>
/// Standard SSD offsets: (dx, dy) = (centre shift / anchor size) / 0.1 and (dw, dh) =
/// log(size ratio) / 0.2 (the "variances"). Unbounded: a box can be anywhere. Size activations
/// are clamped before exp, at log(1000/16) as torchvision does, so a wild output cannot overflow.
/// </summary>
public sealed class SsdBoxCoder(double centreVariance = 0.1, double sizeVariance = 0.2) : IBoxCoder
{
    /// <summary>The largest size activation x variance that exp is applied to (torchvision's bbox_xform_clip).</summary>
    public static readonly double MaxLogScale = Math.Log(1000.0 / 16);

    public double CentreVariance => centreVariance;

    public double SizeVariance => sizeVariance;

    public Tensor Decode(Tensor activations, AnchorSet anchors)
    {
        using var scope = NewDisposeScope();
        var (acx, acy, aw, ah) = CentreSize.Of(anchors.Boxes);
        var cx = acx + activations[TensorIndex.Ellipsis, 0] * Scalars.Of(centreVariance) * aw;
        var cy = acy + activations[TensorIndex.Ellipsis, 1] * Scalars.Of(centreVariance) * ah;
        var w = aw * exp((activations[TensorIndex.Ellipsis, 2] * Scalars.Of(sizeVariance)).clamp_max(Scalars.Of(MaxLogScale)));
        var h = ah * exp((activations[TensorIndex.Ellipsis, 3] * Scalars.Of(sizeVariance)).clamp_max(Scalars.Of(MaxLogScale)));
        return CentreSize.Corners(cx, cy, w, h).MoveToOuterDisposeScope();
    }

    public Tensor Encode(Tensor boxes, AnchorSet anchors)
    {
        using var scope = NewDisposeScope();
        var (acx, acy, aw, ah) = CentreSize.Of(anchors.Boxes);
        var (bcx, bcy, bw, bh) = CentreSize.Of(boxes);
        return stack([
            (bcx - acx) / aw / centreVariance,
            (bcy - acy) / ah / centreVariance,
            log(bw / aw) / sizeVariance,
            log(bh / ah) / sizeVariance], -1).MoveToOuterDisposeScope();
    }
}
