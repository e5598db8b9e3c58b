using Spotter.Boxes;
using Spotter.Inference;
using Spotter.Tests.Server;

namespace Spotter.Tests.Inference;

public sealed class FlipMergeTests
{
    private static readonly string[] Classes = ["cat", "dog"];

    [Fact]
    public void Mirroring_reverses_each_row_of_each_plane_and_unmirror_maps_boxes_back()
    {
        byte[] pixels = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]; // one image, 3 planes of 2 x 2
        var mirrored = new byte[pixels.Length];

        FlipMerge.MirrorPlanes(pixels, count: 1, size: 2, mirrored);

        Assert.Equal([2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11], mirrored);
        Assert.Equal(new Box(70, 5, 90, 25), FlipMerge.Unmirror(Detection.Of(0, 1, new Box(10, 5, 30, 25), Classes), 100).Box);
    }

    [Fact]
    public void Both_views_of_an_object_fuse_into_one_box_and_a_box_one_view_saw_keeps_half_its_score()
    {
        IReadOnlyList<Detection> original = [Detection.Of(0, 0.8f, new Box(10, 10, 50, 50), Classes), Detection.Of(1, 0.6f, new Box(60, 60, 90, 90), Classes)];
        IReadOnlyList<Detection> mirroredBack = [Detection.Of(0, 0.4f, new Box(12, 10, 52, 50), Classes)];

        var merged = FlipMerge.Merge(original, mirroredBack, ModelTask.Detect);

        Assert.Equal(2, merged.Count);
        var cat = merged.Single(d => d.Class == "cat");
        Assert.Equal(0.6f, cat.Score, 5);                                   // (0.8 + 0.4) / 2
        Assert.Equal(10 + 2 * 0.4f / 1.2f, cat.Box.X1, 4);                  // score-weighted mean
        Assert.Equal(0.3f, merged.Single(d => d.Class == "dog").Score, 5); // seen once: 0.6 / 2
    }

    [Fact]
    public void The_detector_runs_each_image_and_its_mirror_in_one_batch_and_maps_the_mirror_back()
    {
        using var detector = new FakeDetector(inputSize: 64) { TestTimeFlip = true };
        var pixels = new byte[3 * 64 * 64];

        var found = detector.DetectInputs(pixels, 1, threshold: 0)[0];

        Assert.Equal([2], detector.Batches);
        // The fake always answers "cat at the top-left quarter": in the mirror that is the top-right one.
        var cats = found.Where(d => d.Class == "cat").Select(d => (d.Box, d.Score)).OrderBy(c => c.Box.X1).ToList();
        Assert.Equal([(new Box(0, 0, 32, 32), 0.45f), (new Box(32, 0, 64, 32), 0.45f)], cats);
    }
}
