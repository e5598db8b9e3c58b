using static TorchSharp.torch;

namespace Spotter.Boxes;

/// <summary>
/// The anchors of one input size: <see cref="Boxes"/> (A x 4 corners in input pixels) in the order
/// the detection head emits its predictions, and each anchor's grid cell size (A x 2, width and
/// height in pixels) for coders that move anchors by cells. Owns its tensors.
/// </summary>
/// <param name="layout">How the anchors lie on the grids (null for a selection of anchors).</param>
public sealed class AnchorSet(Tensor boxes, Tensor cellSizes, AnchorGridLayout? layout = null) : IDisposable
{
    public Tensor Boxes { get; } = boxes;

    public Tensor CellSizes { get; } = cellSizes;

    /// <summary>Anchors per grid and per cell, for matchers that look at grids (<see cref="AdaptiveAnchorMatcher"/>).</summary>
    public AnchorGridLayout? Layout { get; } = layout;

    public long Count => Boxes.shape[0];

    /// <summary>The anchors at <paramref name="index"/>, on that index's device (the caller owns them).</summary>
    public AnchorSet Select(Tensor index) =>
        new(Boxes.to(index.device).index_select(0, index), CellSizes.to(index.device).index_select(0, index));

    /// <summary>The same anchors on <paramref name="device"/> (the caller owns them).</summary>
    public AnchorSet To(Device device) => new(Boxes.to(device), CellSizes.to(device), Layout);

    public void Dispose()
    {
        Boxes.Dispose();
        CellSizes.Dispose();
    }
}

/// <summary>The anchors of grid i are the next <c>GridCounts[i]</c>, cell by cell, <see cref="PerCell"/> to a cell.</summary>
public sealed record AnchorGridLayout(IReadOnlyList<long> GridCounts, int PerCell);
