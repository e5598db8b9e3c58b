using static TorchSharp.torch;

namespace Spotter.Boxes;

/// <summary>
/// The anchors of one input size: <see cref="Boxes"/> (A x 4 corners in input pixels) in the order
/// the detection head emits its predictions, and each anchor's grid cell size (A x 2, width and
/// height in pixels) for coders that move anchors by cells. Owns its tensors.
/// </summary>
public sealed class AnchorSet(Tensor boxes, Tensor cellSizes) : IDisposable
{
    public Tensor Boxes { get; } = boxes;

    public Tensor CellSizes { get; } = cellSizes;

    public long Count => Boxes.shape[0];

    /// <summary>The anchors at <paramref name="index"/>, on that index's device (the caller owns them).</summary>
    public AnchorSet Select(Tensor index) =>
        new(Boxes.to(index.device).index_select(0, index), CellSizes.to(index.device).index_select(0, index));

    /// <summary>The same anchors on <paramref name="device"/> (the caller owns them).</summary>
    public AnchorSet To(Device device) => new(Boxes.to(device), CellSizes.to(device));

    public void Dispose()
    {
        Boxes.Dispose();
        CellSizes.Dispose();
    }
}
