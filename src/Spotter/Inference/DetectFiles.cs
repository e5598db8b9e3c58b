using SkiaSharp;
using Spotter.Data;
using Spotter.Runtime;
using Spotter.Visualization;

namespace Spotter.Inference;

/// <summary>
/// <c>spotter detect</c>'s work: run a detector on image files in batches, and write each image
/// with its detections drawn (PNG, named after the source, made unique) and detections.json
/// (one <see cref="ImageDetections"/> per image, boxes in the image's pixels). Each file is
/// decoded once.
/// </summary>
public static class DetectFiles
{
    public static IReadOnlyList<ImageDetections> Run(IDetector detector, IReadOnlyList<string> files, string outFolder,
        float? threshold = null, int batchSize = 16, Action<int, int>? progress = null)
    {
        if (File.Exists(outFolder)) throw new SpotterException($"{outFolder}: is a file; --out needs a folder");
        Directory.CreateDirectory(outFolder);
        var results = new List<ImageDetections>(files.Count);
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var chunk in files.Chunk(Math.Max(1, batchSize)))
        {
            var bitmaps = DecodeAll(chunk);
            try
            {
                var found = detector.Detect(bitmaps, threshold);
                for (var i = 0; i < chunk.Length; i++)
                {
                    results.Add(new ImageDetections(chunk[i], bitmaps[i].Width, bitmaps[i].Height, found[i]));
                    SaveAnnotated(bitmaps[i], found[i], UniqueName(outFolder, chunk[i], names));
                }
            }
            finally
            {
                foreach (var b in bitmaps) b.Dispose();
            }
            progress?.Invoke(results.Count, files.Count);
        }
        AtomicFile.WriteAllText(Path.Combine(outFolder, ImageDetections.FileName), ImageDetections.ToJson(results));
        return results;
    }

    private static List<SKBitmap> DecodeAll(IReadOnlyList<string> paths)
    {
        var bitmaps = new List<SKBitmap>(paths.Count);
        try
        {
            foreach (var path in paths) bitmaps.Add(ImageFile.Decode(path));
            return bitmaps;
        }
        catch
        {
            foreach (var b in bitmaps) b.Dispose();
            throw;
        }
    }

    private static string UniqueName(string folder, string source, HashSet<string> taken)
    {
        var stem = Path.GetFileNameWithoutExtension(source);
        var name = stem + ".png";
        for (var i = 2; !taken.Add(name); i++) name = $"{stem}_{i}.png";
        return Path.Combine(folder, name);
    }

    /// <summary>Draws on the bitmap (it is not used afterwards) and writes it as PNG.</summary>
    private static void SaveAnnotated(SKBitmap image, IReadOnlyList<Detection> detections, string target)
    {
        using (var canvas = new SKCanvas(image))
        {
            var textSize = Math.Max(12, Math.Min(image.Width, image.Height) / 30f);
            BoxPainter.Draw(canvas, SampleSheet.Predicted(detections), 1, textSize);
        }
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        AtomicFile.WriteAllBytes(target, data.ToArray());
    }
}
