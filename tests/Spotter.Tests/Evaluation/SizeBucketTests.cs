using Spotter.Boxes;
using Spotter.Data;
using Spotter.Evaluation;
using Spotter.Tests.Data;
using Spotter.Tests.Server;

namespace Spotter.Tests.Evaluation;

/// <summary>COCO's small/medium/large buckets are areas in the image's own pixels, not in the network's input.</summary>
public sealed class SizeBucketTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("spotter-sizes-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void A_box_large_in_the_photo_counts_as_large_though_small_at_the_input_size()
    {
        var path = Path.Combine(_root, "big.jpg");
        Fixtures.WriteImage(path, 640, 640);
        // 320 x 320 in the photo; at the fake model's 64 px input it is 32 x 32, COCO's small/medium edge.
        var image = new ImageRecord("big", path, 640, 640, [new LabeledBox(0, new Box(0, 0, 320, 320))]);
        using var detector = new FakeDetector(inputSize: 64);

        var map = DetectorEvaluation.Run(detector, [image]).Map!;

        Assert.Null(map.MapSmall);
        Assert.Null(map.MapMedium);
        Assert.Equal(1, map.MapLarge!.Value, 6);
    }
}
