using BenchmarkDotNet.Attributes;
using SkiaSharp;
using Spotter.Data;
using Spotter.Data.Formats;

namespace Spotter.Benchmarks;

/// <summary>
/// Reading and checking a 10,000-image VOC dataset (640x480 JPEGs, 12 objects each, as in
/// bccd). The images are symbolic links to a few files, so setup is quick; the check still opens
/// and reads every one of them. Goal: seconds, not minutes.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 3)]
[MemoryDiagnoser]
public class DataCheckBenchmarks
{
    private const int Images = 10_000;
    private string _root = null!;

    [GlobalSetup]
    public void Setup()
    {
        _root = Directory.CreateTempSubdirectory("spotter-bench-check-").FullName;
        var annotations = Directory.CreateDirectory(Path.Combine(_root, "Annotations")).FullName;
        var images = Directory.CreateDirectory(Path.Combine(_root, "JPEGImages")).FullName;
        var sources = Enumerable.Range(0, 8).Select(i => WriteSourceImage(Path.Combine(_root, $"source{i}.jpg"), i)).ToArray();
        for (var i = 0; i < Images; i++)
        {
            var name = $"img_{i:D5}";
            File.CreateSymbolicLink(Path.Combine(images, name + ".jpg"), sources[i % sources.Length]);
            File.WriteAllText(Path.Combine(annotations, name + ".xml"), Annotation(name + ".jpg", i));
        }
    }

    [Benchmark]
    public int ReadAndCheck() => DataCheck.Run(VocReader.Read(_root)).Problems.Count;

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_root, recursive: true);

    private static string WriteSourceImage(string path, int seed)
    {
        using var bitmap = new SKBitmap(640, 480);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(new SKColor((byte)(seed * 30), 120, 200));
        }
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 90);
        File.WriteAllBytes(path, data.ToArray());
        return path;
    }

    private static string Annotation(string fileName, int index)
    {
        var objects = string.Concat(Enumerable.Range(0, 12).Select(k =>
        {
            var x = 1 + (index * 7 + k * 50) % 500;
            var y = 1 + (index * 3 + k * 30) % 350;
            return $"<object><name>{(k % 3 == 0 ? "WBC" : "RBC")}</name><difficult>0</difficult><bndbox><xmin>{x}</xmin><ymin>{y}</ymin><xmax>{x + 90}</xmax><ymax>{y + 80}</ymax></bndbox></object>";
        }));
        return $"<annotation><filename>{fileName}</filename><size><width>640</width><height>480</height><depth>3</depth></size>{objects}</annotation>";
    }
}
