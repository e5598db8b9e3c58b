using static TorchSharp.torch;

namespace Spotter.Boxes;

/// <summary>Centre/size views of corner boxes, shared by the coders.</summary>
internal static class CentreSize
{
    public static (Tensor Cx, Tensor Cy, Tensor W, Tensor H) Of(Tensor corners)
    {
        var w = corners[TensorIndex.Ellipsis, 2] - corners[TensorIndex.Ellipsis, 0];
        var h = corners[TensorIndex.Ellipsis, 3] - corners[TensorIndex.Ellipsis, 1];
        return (corners[TensorIndex.Ellipsis, 0] + w / 2, corners[TensorIndex.Ellipsis, 1] + h / 2, w, h);
    }

    public static Tensor Corners(Tensor cx, Tensor cy, Tensor w, Tensor h) =>
        stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], -1);
}
