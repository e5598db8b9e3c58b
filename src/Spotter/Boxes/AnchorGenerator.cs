using static TorchSharp.torch;

namespace Spotter.Boxes;

/// <summary>
/// Lays anchors over feature-map grids whose sizes come from the maps themselves: at every cell
/// of every grid, one anchor per (zoom, ratio) pair, centred on the cell. Anchor side = zoom x
/// cell size x <see cref="Scale"/>, stretched by the ratio (width x sqrt(r), height / sqrt(r)).
/// Order: grid by grid, then row, then column, then zoom, then ratio (the head's output order).
/// </summary>
public sealed record AnchorGenerator(IReadOnlyList<double> Zooms, IReadOnlyList<double> Ratios, double Scale = 1)
{
    /// <summary>Anchors per grid cell.</summary>
    public int PerCell => Zooms.Count * Ratios.Count;

    /// <summary>The anchors of feature maps of the given sizes over a width x height input.</summary>
    public AnchorSet Generate(IReadOnlyList<(int Rows, int Columns)> grids, int width, int height)
    {
        var boxes = new List<float>();
        var cells = new List<float>();
        var gridCounts = new List<long>();
        foreach (var (rows, columns) in grids)
        {
            gridCounts.Add((long)rows * columns * PerCell);
            var cellWidth = (double)width / columns;
            var cellHeight = (double)height / rows;
            for (var row = 0; row < rows; row++)
                for (var column = 0; column < columns; column++)
                {
                    var cx = (column + 0.5) * cellWidth;
                    var cy = (row + 0.5) * cellHeight;
                    foreach (var zoom in Zooms)
                        foreach (var ratio in Ratios)
                        {
                            var w = zoom * cellWidth * Scale * Math.Sqrt(ratio);
                            var h = zoom * cellHeight * Scale / Math.Sqrt(ratio);
                            boxes.AddRange([(float)(cx - w / 2), (float)(cy - h / 2), (float)(cx + w / 2), (float)(cy + h / 2)]);
                            cells.AddRange([(float)cellWidth, (float)cellHeight]);
                        }
                }
        }
        var count = boxes.Count / 4;
        return new AnchorSet(tensor(boxes.ToArray(), [count, 4]), tensor(cells.ToArray(), [count, 2]), new AnchorGridLayout(gridCounts, PerCell));
    }
}
