using static TorchSharp.torch;

namespace Spotter.Boxes;

/// <summary>Decides which anchors learn which ground-truth box of an image.</summary>
public interface IAnchorMatcher
{
    /// <summary>
    /// Per anchor (A): the index of its ground-truth box (G x 4 corners), or
    /// <see cref="AnchorMatcher.Background"/>, or <see cref="AnchorMatcher.Ignore"/> (left out of the loss).
    /// </summary>
    Tensor Match(Tensor groundTruth, AnchorSet anchors);
}
