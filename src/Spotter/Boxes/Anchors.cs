using static TorchSharp.torch;

namespace Spotter.Boxes;

/// <summary>
/// Anchor boxes as an A x 4 tensor of corners in input pixels, in the order the detection head
/// emits its predictions: grid by grid, then row, then column, then (zoom, ratio).
/// </summary>
public static class Anchors
{
    public static Tensor Create(AnchorSpec spec, int inputSize)
    {
        var values = new List<float>(spec.Count * 4);
        foreach (var grid in spec.Grids)
        {
            var cell = (double)inputSize / grid;
            for (var row = 0; row < grid; row++)
                for (var column = 0; column < grid; column++)
                {
                    var cx = (column + 0.5) * cell;
                    var cy = (row + 0.5) * cell;
                    foreach (var zoom in spec.Zooms)
                        foreach (var ratio in spec.Ratios)
                        {
                            var side = zoom * cell * spec.Scale;
                            var w = side * Math.Sqrt(ratio);
                            var h = side / Math.Sqrt(ratio);
                            values.AddRange([(float)(cx - w / 2), (float)(cy - h / 2), (float)(cx + w / 2), (float)(cy + h / 2)]);
                        }
                }
        }
        return tensor(values.ToArray(), [spec.Count, 4]);
    }

    /// <summary>Each anchor's grid cell size in pixels (A), for decoders that move anchors by cells.</summary>
    public static Tensor CellSizes(AnchorSpec spec, int inputSize) =>
        tensor(spec.Grids.SelectMany(g => Enumerable.Repeat((float)inputSize / g, g * g * spec.PerCell)).ToArray());
}
