using Spotter.Boxes;
using Spotter.Inference;

namespace Spotter.Tests.Inference;

/// <summary>
/// A stand-in model with an exactly known answer: in each input it finds the pixels brighter than
/// 200 in all three channels and reports their bounding box as one "square" (score 0.9), or nothing.
/// A small white square shrunk to a pixel or two by the squash turns grey and is not found, as a
/// real detector misses an object a few pixels wide. It counts the inputs it ran.
/// </summary>
public sealed class BrightSquareDetector(int inputSize, int? trainedTile = null)
    : DetectorBase(new DetectorInfo(ModelTask.Detect, ["square"], inputSize, 0.3f, "fake", "cpu", TrainedTile: trainedTile))
{
    private int _inputs;

    public int Inputs => _inputs;

    protected override IReadOnlyList<IReadOnlyList<Detection>> DetectSquashed(byte[] pixels, int count)
    {
        Interlocked.Add(ref _inputs, count);
        var s = Info.InputSize;
        var plane = s * s;
        return Enumerable.Range(0, count).Select(i =>
        {
            var image = pixels.AsSpan(i * 3 * plane, 3 * plane);
            int x1 = s, y1 = s, x2 = -1, y2 = -1;
            for (var y = 0; y < s; y++)
                for (var x = 0; x < s; x++)
                {
                    var at = y * s + x;
                    if (image[at] <= 200 || image[plane + at] <= 200 || image[2 * plane + at] <= 200) continue;
                    (x1, y1, x2, y2) = (Math.Min(x1, x), Math.Min(y1, y), Math.Max(x2, x), Math.Max(y2, y));
                }
            return x2 < 0 ? (IReadOnlyList<Detection>)[] : [Detection.Of(0, 0.9f, new Box(x1, y1, x2 + 1, y2 + 1), Info.Classes)];
        }).ToList();
    }
}
