using SkiaSharp;
using Spotter.Data;
using Spotter.Inference;
using Spotter.Visualization;

namespace Spotter.Benchmarks;

/// <summary>
/// The README's picture of sliced inference: a region of one held-out large image, the truth on the
/// left and the tiled detector's boxes (score >= 0.3) on the right, at the image's own pixels.
/// <c>dotnet run -c Release --project benchmarks/Spotter.Benchmarks -- tiling-figure RUN DATASET SPLIT OUT.png</c>
/// </summary>
public static class TilingFigure
{
    private const int RegionWidth = 560, RegionHeight = 420, Gap = 8;

    public static void Run(string run, string datasetSpec, string split, string output)
    {
        var dataset = DatasetLoader.Load(datasetSpec);
        var image = DatasetSplits.Select(dataset, split)[0];
        using var detector = Detector.Load(run, "cpu");
        var found = detector.Detect(image.Path);
        // The region: centred on the image, where the scene has no border effects.
        var region = SKRectI.Create((image.Width - RegionWidth) / 2, (image.Height - RegionHeight) / 2, RegionWidth, RegionHeight);
        using var photo = ImageFile.Decode(image.Path);
        using var figure = new SKBitmap(2 * RegionWidth + Gap, RegionHeight);
        using (var canvas = new SKCanvas(figure))
        {
            canvas.Clear(SKColors.White);
            Draw(canvas, photo, region, 0, SampleSheet.Truth(image, dataset.Classes));
            Draw(canvas, photo, region, RegionWidth + Gap, SampleSheet.Predicted(found));
        }
        using var data = figure.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(output, data.ToArray());
        Console.WriteLine($"Wrote {output}: {image.Id}, region {region}, {image.Objects.Count} objects, {found.Count} detections in the whole image");
    }

    private static void Draw(SKCanvas canvas, SKBitmap photo, SKRectI region, int left, IReadOnlyList<DrawnBox> boxes)
    {
        canvas.Save();
        canvas.ClipRect(SKRect.Create(left, 0, region.Width, region.Height));
        canvas.Translate(left - region.Left, -region.Top);
        canvas.DrawBitmap(photo, 0, 0);
        BoxPainter.Draw(canvas, boxes.Where(b => b.Box.Intersection(new Spotter.Boxes.Box(region.Left, region.Top, region.Right, region.Bottom)) > 0), 1, 12);
        canvas.Restore();
    }
}
