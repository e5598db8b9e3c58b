using static TorchSharp.torch;

namespace Spotter.Boxes;

/// <summary>How a detection head's 4 numbers per anchor become a box, and back.</summary>
public interface IBoxCoder
{
    /// <summary>Boxes (A x 4 corners) from activations (A x 4) at the given anchors (A of them).</summary>
    Tensor Decode(Tensor activations, AnchorSet anchors);

    /// <summary>The activations that decode to <paramref name="boxes"/> (the regression target).</summary>
    Tensor Encode(Tensor boxes, AnchorSet anchors);
}
