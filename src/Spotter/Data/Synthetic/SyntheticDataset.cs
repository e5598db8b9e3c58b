using SkiaSharp;
using Spotter.Data.Formats;
using Spotter.Runtime;

namespace Spotter.Data.Synthetic;

/// <summary>
/// The built-in dataset: scenes from <see cref="SceneRenderer"/>, seeded per image so any count
/// and seed give the same images everywhere. They are rendered once into the cache as a VOC
/// folder (PNG images, XML annotations, train/val/test = 70/15/15 %), so everything downstream
/// reads them like any other dataset.
/// </summary>
public static class SyntheticDataset
{
    /// <summary>Bump when the renderer changes, so stale renders are not reused.</summary>
    private const int RendererVersion = 4;

    public static Dataset Load(SyntheticOptions options, string? cacheDirectory = null)
    {
        var folder = Path.Combine(cacheDirectory ?? SpotterPaths.CacheDirectory, "synthetic", $"v{RendererVersion}-n{options.Count}-s{options.Size}-seed{options.Seed}" + (options.SmallObjects ? "-small" : ""));
        if (!Directory.Exists(folder)) Generate(options, folder);
        var voc = VocReader.Read(folder);
        return new Dataset("synthetic", "synthetic", voc.Classes, voc.Images, voc.Splits, voc.Problems);
    }

    /// <summary>Renders into a temporary folder, then renames it into place (never half-written).</summary>
    public static void Generate(SyntheticOptions options, string folder)
    {
        var temp = folder + $".{Environment.ProcessId}.tmp";
        if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        var annotations = Directory.CreateDirectory(Path.Combine(temp, "Annotations")).FullName;
        var images = Directory.CreateDirectory(Path.Combine(temp, "JPEGImages")).FullName;
        Parallel.For(0, options.Count, index =>
        {
            var id = $"synthetic_{index:D5}";
            var rng = new Random(Seeds.Mix(options.Seed, index, RendererVersion));
            var scene = options.SmallObjects ? SceneRenderer.RenderSmallObjects(options.Size, rng) : SceneRenderer.Render(options.Size, rng);
            // Large scenes are stored as JPEG, as photos are (a 2000 x 2000 PNG of noise is ~10 MB).
            var (format, extension) = options.SmallObjects ? (SKEncodedImageFormat.Jpeg, ".jpg") : (SKEncodedImageFormat.Png, ".png");
            using (scene.Image)
            using (var data = scene.Image.Encode(format, options.SmallObjects ? 92 : 100))
                File.WriteAllBytes(Path.Combine(images, id + extension), data.ToArray());
            var record = new ImageRecord(id, "", options.Size, options.Size, scene.Objects.Select(o => new LabeledBox(o.ClassIndex, o.Box)).ToList());
            File.WriteAllText(Path.Combine(annotations, id + ".xml"), VocWriter.ToXml(record, id + extension, SceneRenderer.Classes).ToString());
        });
        WriteSplits(options, Directory.CreateDirectory(Path.Combine(temp, "ImageSets", "Main")).FullName);
        try
        {
            Directory.Move(temp, folder);
        }
        catch (IOException) when (Directory.Exists(folder))
        {
            Directory.Delete(temp, recursive: true); // another process finished first
        }
    }

    private static void WriteSplits(SyntheticOptions options, string folder)
    {
        var ids = Enumerable.Range(0, options.Count).Select(i => $"synthetic_{i:D5}").ToArray();
        var trainCount = (int)Math.Round(options.Count * 0.70);
        var valCount = (int)Math.Round(options.Count * 0.15);
        var splits = new Dictionary<string, string[]>
        {
            ["train"] = ids[..trainCount],
            ["val"] = ids[trainCount..(trainCount + valCount)],
            ["test"] = ids[(trainCount + valCount)..],
            ["trainval"] = ids[..(trainCount + valCount)],
        };
        foreach (var (name, list) in splits)
            File.WriteAllText(Path.Combine(folder, name + ".txt"), string.Concat(list.Select(id => id + "\n")));
    }
}
