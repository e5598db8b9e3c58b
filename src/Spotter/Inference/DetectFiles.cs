using SkiaSharp;
using Spotter.Data;
using Spotter.Runtime;
using Spotter.Visualization;

namespace Spotter.Inference;

/// <summary>
/// <c>spotter detect</c>'s work: run a detector on image files in batches, and write each image
/// with its detections drawn (PNG, named after the source, made unique) and detections.json
/// (one <see cref="ImageDetections"/> per image, boxes in the image's pixels). Each file is
/// decoded for the model (a large JPEG at a reduced scale, as everywhere) and once more at
/// full size for its picture when that decode was reduced. A file that cannot be decoded is reported and skipped; a file cut short
/// (the decoder runs out of data) is detected on as far as it decodes, with a warning. A run that fails removes
/// the output folder it created, so no half-written result is left.
/// </summary>
public static class DetectFiles
{
    /// <param name="skipped">Told about each file that cannot be read (its message names the file).</param>
    /// <param name="warning">Told about each file that is read only in part (its message names the file).</param>
    public static IReadOnlyList<ImageDetections> Run(IDetector detector, IReadOnlyList<string> files, string outFolder,
        float? threshold = null, int batchSize = 16, Action<int, int>? progress = null, Action<string>? skipped = null, Action<string>? warning = null)
    {
        if (File.Exists(outFolder)) throw new SpotterException($"{outFolder}: is a file; --out needs a folder");
        var created = !Directory.Exists(outFolder);
        Directory.CreateDirectory(outFolder);
        try
        {
            return RunInto(detector, files, outFolder, threshold, batchSize, progress, skipped, warning);
        }
        catch when (created)
        {
            Directory.Delete(outFolder, recursive: true);
            throw;
        }
    }

    private static List<ImageDetections> RunInto(IDetector detector, IReadOnlyList<string> files, string outFolder,
        float? threshold, int batchSize, Action<int, int>? progress, Action<string>? skipped, Action<string>? warning)
    {
        var results = new List<ImageDetections>(files.Count);
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var done = 0;
        // A lone file that cannot be read is the command's error, said once; among several it is skipped.
        Action<string> unreadable = files.Count == 1
            ? message => throw new SpotterException(message)
            : message => skipped?.Invoke($"{message}; skipped");
        foreach (var batch in files.Chunk(Math.Max(1, batchSize)))
        {
            var (chunk, decoded) = DecodeReadable(batch, detector.DecodeSize, unreadable, warning);
            try
            {
                var found = detector.DetectDecoded(decoded, threshold);
                for (var i = 0; i < chunk.Length; i++)
                {
                    var image = decoded[i];
                    results.Add(new ImageDetections(chunk[i], image.Width, image.Height, found[i]));
                    // A large JPEG was decoded at a reduced scale for the model; the picture is drawn at full size.
                    var reduced = image.Bitmap.Width != image.Width || image.Bitmap.Height != image.Height;
                    using var full = reduced ? ImageFile.Decode(chunk[i]) : null;
                    SaveAnnotated(full ?? image.Bitmap, found[i], UniqueName(outFolder, chunk[i], names));
                }
            }
            finally
            {
                foreach (var image in decoded) image.Bitmap.Dispose();
            }
            done += batch.Length;
            progress?.Invoke(done, files.Count);
        }
        if (results.Count == 0) throw new SpotterException($"none of the {files.Count} images could be read");
        AtomicFile.WriteAllText(Path.Combine(outFolder, ImageDetections.FileName), ImageDetections.ToJson(results));
        return results;
    }

    /// <summary>The files that decode, decoded as every prediction path does; why each other one cannot be read goes to <paramref name="unreadable"/>.</summary>
    private static (string[] Paths, List<DecodedImage> Images) DecodeReadable(IReadOnlyList<string> paths, int decodeSize,
        Action<string> unreadable, Action<string>? warning)
    {
        var kept = new List<string>(paths.Count);
        var bitmaps = new List<DecodedImage>(paths.Count);
        foreach (var path in paths)
        {
            try
            {
                var bitmap = ImageFile.DecodeForInput(path, decodeSize, out var width, out var height, out var incomplete);
                bitmaps.Add(new DecodedImage(bitmap, width, height));
                kept.Add(path);
                if (incomplete)
                    warning?.Invoke($"{path}: the file is truncated; detected on the part that decodes (the rest is blank)");
            }
            catch (SpotterException e)
            {
                unreadable(e.Message);
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

    /// <summary>
    /// Label text size: a thirtieth of the image's shorter side, but no taller than the median box,
    /// so small objects in a large photo are not buried under their labels; at least 12 px.
    /// </summary>
    public static float LabelSize(int width, int height, IReadOnlyList<Detection> detections)
    {
        var size = Math.Min(width, height) / 30f;
        if (detections.Count > 0) size = Math.Min(size, detections.Select(d => d.Box.Height).Order().ElementAt(detections.Count / 2));
        return Math.Max(12, size);
    }

    /// <summary>Draws on the bitmap (it is not used afterwards) and writes it as PNG.</summary>
    private static void SaveAnnotated(SKBitmap image, IReadOnlyList<Detection> detections, string target)
    {
        using (var canvas = new SKCanvas(image))
        {
            BoxPainter.Draw(canvas, SampleSheet.Predicted(detections), 1, LabelSize(image.Width, image.Height, detections));
        }
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        AtomicFile.WriteAllBytes(target, data.ToArray());
    }
}
