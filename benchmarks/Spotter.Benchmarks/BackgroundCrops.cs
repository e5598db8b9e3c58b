using SkiaSharp;
using Spotter.Data;

namespace Spotter.Benchmarks;

/// <summary>
/// Background images for measuring <c>train --negatives</c>: from each image of a split, one square
/// crop that overlaps no object (<see cref="LinearProbe.BackgroundBox"/>), written as JPEG.
///   dotnet run -c Release --project benchmarks/Spotter.Benchmarks -- background-crops ../shared/datasets/raccoon train OUT_DIR
/// </summary>
public static class BackgroundCrops
{
    public static void Run(string datasetPath, string split, string outFolder)
    {
        var dataset = DatasetLoader.Load(datasetPath);
        Directory.CreateDirectory(outFolder);
        var rng = new Random(3);
        var written = 0;
        foreach (var image in DatasetSplits.Select(dataset, split))
        {
            if (LinearProbe.BackgroundBox(image, rng) is not { } box) continue;
            using var bitmap = ImageFile.Decode(image.Path);
            using var crop = new SKBitmap();
            var region = SKRectI.Round(new SKRect(box.X1, box.Y1, box.X2, box.Y2));
            if (!bitmap.ExtractSubset(crop, region)) continue;
            using var data = SKImage.FromBitmap(crop).Encode(SKEncodedImageFormat.Jpeg, 90);
            File.WriteAllBytes(Path.Combine(outFolder, $"{Path.GetFileNameWithoutExtension(image.Path)}-background.jpg"), data.ToArray());
            written++;
        }
        Console.WriteLine($"Wrote {written} background crops of split '{split}' to {outFolder}");
    }
}
