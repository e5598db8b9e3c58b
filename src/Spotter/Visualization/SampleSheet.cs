using Spotter.Boxes;
using Spotter.Data;
using SkiaSharp;

namespace Spotter.Visualization;

/// <summary>
/// Predictions drawn next to ground truth: for each image, a tile with the true boxes, then a
/// tile with the predicted ones labelled "i: class score" as the lessons do. Used for a run's
/// samples.png.
/// </summary>
public static class SampleSheet
{
    public static SKBitmap Render(IReadOnlyList<ImageRecord> images, IReadOnlyList<IReadOnlyList<Detection>> predictions,
        IReadOnlyList<string> classes, int tileSize = 256)
    {
        if (images.Count != predictions.Count) throw new ArgumentException("one list of predictions per image is needed", nameof(predictions));
        var tiles = new List<GridTile>();
        for (var i = 0; i < images.Count; i++)
        {
            var image = images[i];
            tiles.Add(new GridTile(image.Path, Truth(image, classes), $"{image.Id}: truth"));
            tiles.Add(new GridTile(image.Path, Predicted(predictions[i]), $"{image.Id}: predicted"));
        }
        var pairsPerRow = Math.Max(1, Math.Min(3, (int)Math.Ceiling(Math.Sqrt(images.Count))));
        return ImageGrid.Render(tiles, columns: 2 * pairsPerRow, tileSize);
    }

    public static IReadOnlyList<DrawnBox> Truth(ImageRecord image, IReadOnlyList<string> classes) =>
        image.Objects.Select(o => new DrawnBox(o.Box, classes[o.ClassIndex], image.Objects.Count == 1 ? SKColors.White : Palette.ForIndex(o.ClassIndex))).ToList();

    /// <summary>Detections labelled "i: class score" (an unclassified box: "predicted"), coloured by class.</summary>
    public static IReadOnlyList<DrawnBox> Predicted(IReadOnlyList<Detection> predictions) =>
        predictions.Select((p, i) => new DrawnBox(p.Box, p.ClassIndex < 0 ? "predicted" : $"{i}: {p.Class} {p.Score:0.00}",
            predictions.Count == 1 ? SKColors.White : Palette.ForIndex(Math.Max(0, p.ClassIndex)))).ToList();
}
