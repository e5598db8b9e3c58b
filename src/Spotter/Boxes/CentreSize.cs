using Spotter.Runtime;
using static TorchSharp.torch;

namespace Spotter.Boxes;

/// <summary>Centre/size views of corner boxes, shared by the coders.</summary>
internal static class CentreSize
{
    public static (Tensor Cx, Tensor Cy, Tensor W, Tensor H) Of(Tensor corners)
    {
        var w = corners[TensorIndex.Ellipsis, 2] - corners[TensorIndex.Ellipsis, 0];
        var h = corners[TensorIndex.Ellipsis, 3] - corners[TensorIndex.Ellipsis, 1];
        return (corners[TensorIndex.Ellipsis, 0] + w / Scalars.Of(2.0), corners[TensorIndex.Ellipsis, 1] + h / Scalars.Of(2.0), w, h);
    }

    public static Tensor Corners(Tensor cx, Tensor cy, Tensor w, Tensor h) =>
        stack([cx - w / Scalars.Of(2.0), cy - h / Scalars.Of(2.0), cx + w / Scalars.Of(2.0), cy + h / Scalars.Of(2.0)], -1);
}
