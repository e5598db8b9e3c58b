using Spotter.Boxes;
using Spotter.Inference;

namespace Spotter.Tests.Server;

/// <summary>
/// A stand-in model for the server tests: every image gets a class "cat" detection (0.9) on the
/// top-left quarter of the input and a class "dog" one (0.2) on the rest. It can hold every batch
/// at a gate, to fill the server's queue, and it records the batch sizes it saw.
/// </summary>
public sealed class FakeDetector(int inputSize = 64) : DetectorBase(new DetectorInfo(ModelTask.Detect, ["cat", "dog"], inputSize, 0.3f, "fake", "cpu"))
{
    private readonly List<int> _batches = [];

    /// <summary>When set, each batch waits here until it is released.</summary>
    public SemaphoreSlim? Gate { get; set; }

    /// <summary>Each batch also takes this long (so that concurrent requests can join it).</summary>
    public TimeSpan Delay { get; set; }

    public IReadOnlyList<int> Batches
    {
        get
        {
            lock (_batches) return _batches.ToList();
        }
    }

    protected override IReadOnlyList<IReadOnlyList<Detection>> DetectSquashed(byte[] pixels, int count)
    {
        lock (_batches) _batches.Add(count);
        Gate?.Wait();
        if (Delay > TimeSpan.Zero) Thread.Sleep(Delay);
        var s = Info.InputSize;
        return Enumerable.Range(0, count).Select(_ => (IReadOnlyList<Detection>)
        [
            Detection.Of(0, 0.9f, new Box(0, 0, s / 2f, s / 2f), Info.Classes),
            Detection.Of(1, 0.2f, new Box(s / 2f, s / 2f, s, s), Info.Classes),
        ]).ToList();
    }
}
