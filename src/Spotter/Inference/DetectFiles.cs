using SkiaSharp;
using Spotter.Data;
using Spotter.Runtime;
using Spotter.Visualization;

namespace Spotter.Inference;

/// <summary>
/// <c>spotter detect</c>'s work: run a detector on image files in batches, and write each image
/// with its detections drawn (PNG, named after the source, made unique) and detections.json
/// (one <see cref="ImageDetections"/> per image, boxes in the image's pixels). Each file is
/// decoded once. A file that cannot be decoded is reported and skipped; a run that fails removes
/// the output folder it created, so no half-written result is left.
/// </summary>
public static class DetectFiles
{
    /// <param name="skipped">Told about each file that cannot be read (its message names the file).</param>
    public static IReadOnlyList<ImageDetections> Run(IDetector detector, IReadOnlyList<string> files, string outFolder,
        float? threshold = null, int batchSize = 16, Action<int, int>? progress = null, Action<string>? skipped = null)
    {
        if (File.Exists(outFolder)) throw new SpotterException($"{outFolder}: is a file; --out needs a folder");
        var created = !Directory.Exists(outFolder);
        Directory.CreateDirectory(outFolder);
        try
        {
            return RunInto(detector, files, outFolder, threshold, batchSize, progress, skipped);
        }
        catch when (created)
        {
            Directory.Delete(outFolder, recursive: true);
            throw;
        }
    }

    private static List<ImageDetections> RunInto(IDetector detector, IReadOnlyList<string> files, string outFolder,
        float? threshold, int batchSize, Action<int, int>? progress, Action<string>? skipped)
    {
        var results = new List<ImageDetections>(files.Count);
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var done = 0;
        foreach (var batch in files.Chunk(Math.Max(1, batchSize)))
        {
            var (chunk, bitmaps) = DecodeReadable(batch, skipped);
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
            done += batch.Length;
            progress?.Invoke(done, files.Count);
        }
        if (results.Count == 0) throw new SpotterException(files.Count == 1 ? $"{files[0]}: cannot be read" : $"none of the {files.Count} images could be read");
        AtomicFile.WriteAllText(Path.Combine(outFolder, ImageDetections.FileName), ImageDetections.ToJson(results));
        return results;
    }

    /// <summary>The files that decode, with their bitmaps; the others are reported to <paramref name="skipped"/>.</summary>
    private static (string[] Paths, List<SKBitmap> Bitmaps) DecodeReadable(IReadOnlyList<string> paths, Action<string>? skipped)
    {
        var kept = new List<string>(paths.Count);
        var bitmaps = new List<SKBitmap>(paths.Count);
        foreach (var path in paths)
        {
            try
            {
                bitmaps.Add(ImageFile.Decode(path));
                kept.Add(path);
            }
            catch (SpotterException e)
            {
                skipped?.Invoke($"{e.Message}; skipped");
            }
        }
        return (kept.ToArray(), bitmaps);
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
