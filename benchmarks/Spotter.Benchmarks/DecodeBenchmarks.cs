using BenchmarkDotNet.Attributes;
using SkiaSharp;
using Spotter.Data;

namespace Spotter.Benchmarks;

/// <summary>
/// A large photo made ready for a 320 px model: a 4000 x 3000 JPEG (quality 90, a smooth scene
/// with fine noise, so it compresses like a photo) decoded whole and squashed, against decoded at
/// the codec's reduced scale (<see cref="ImageFile.DecodeForInput(string, int, out int, out int)"/>,
/// here 1/8: 500 x 375) and squashed. Goal: decoding no longer dominates the first epoch of a set
/// of camera photos.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
[MemoryDiagnoser]
public class DecodeBenchmarks
{
    private const int InputSize = 320;
    private string _path = null!;
    private readonly byte[] _planes = new byte[3 * InputSize * InputSize];

    [GlobalSetup]
    public void Setup()
    {
        _path = Path.Combine(Path.GetTempPath(), $"spotter-bench-photo-{Environment.ProcessId}.jpg");
        using var bitmap = new SKBitmap(4000, 3000, SKColorType.Rgba8888, SKAlphaType.Premul);
        var random = new Random(3);
        var pixels = new byte[4000 * 3000 * 4];
        for (var y = 0; y < 3000; y++)
            for (var x = 0; x < 4000; x++)
            {
                var at = 4 * (y * 4000 + x);
                pixels[at] = (byte)(128 + 100 * Math.Sin(x / 300.0) + random.Next(-12, 12));
                pixels[at + 1] = (byte)(128 + 100 * Math.Cos(y / 250.0) + random.Next(-12, 12));
                pixels[at + 2] = (byte)((x + y) / 28 + random.Next(-12, 12));
                pixels[at + 3] = 255;
            }
        System.Runtime.InteropServices.Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 90);
        File.WriteAllBytes(_path, data.ToArray());
    }

    [Benchmark(Baseline = true)]
    public void WholeDecodeThenSquash()
    {
        using var image = ImageFile.Decode(_path);
        ImagePixels.SquashedPlanes(image, InputSize, _planes);
    }

    [Benchmark]
    public void ReducedDecodeThenSquash()
    {
        using var image = ImageFile.DecodeForInput(_path, InputSize, out _, out _);
        ImagePixels.SquashedPlanes(image, InputSize, _planes);
    }

    [GlobalCleanup]
    public void Cleanup() => File.Delete(_path);
}
