using Spotter.Boxes;
using Spotter.Data.Loading;
using static TorchSharp.torch;

namespace Spotter.Tests.Data;

public sealed class AugmentationTests
{
    private static readonly BatchAugmenter.Draw Flip = new(true, 0, 0, 1);

    [Fact]
    public void Flipping_twice_gives_back_the_image_and_the_boxes()
    {
        using var scope = NewDisposeScope();
        var images = rand(2, 3, 32, 32);
        var once = BatchAugmenter.Apply(images, [Flip, Flip]);
        var twice = BatchAugmenter.Apply(once, [Flip, Flip]);
        Assert.True((twice - images).abs().max().item<float>() < 1e-5f);
        Assert.True((once - images.flip(3)).abs().max().item<float>() < 1e-5f, "a flip mirrors the columns");

        var boxes = new[] { new Box(2, 3, 10, 20) };
        Assert.Equal(new Box(22, 3, 30, 20), BatchAugmenter.Apply(boxes, Flip, 32)[0]);
        Assert.Equal(boxes, BatchAugmenter.Apply(BatchAugmenter.Apply(boxes, Flip, 32), Flip, 32));
    }

    [Theory]
    [InlineData(10.0, false)]
    [InlineData(-25.0, false)]
    [InlineData(15.0, true)]
    public void A_rotated_box_encloses_the_rotated_object_snugly(double degrees, bool flip)
    {
        using var scope = NewDisposeScope();
        const int size = 96;
        var image = zeros(1, 3, size, size);
        image[.., .., 30..50, 20..60] = ones(1, 3, 20, 40); // a white bar: x 20..60, y 30..50
        var draw = new BatchAugmenter.Draw(flip, degrees * Math.PI / 180, 0, 1);

        var rotated = BatchAugmenter.Apply(image, [draw]);
        var box = BatchAugmenter.Apply([new Box(20, 30, 60, 50)], draw, size)[0];

        // Where the warped image is bright, and its extent.
        var bright = rotated[0, 0] > 0.5f;
        var rows = bright.any(1).nonzero().flatten().data<long>().ToArray();
        var columns = bright.any(0).nonzero().flatten().data<long>().ToArray();
        Assert.InRange(columns.Min(), box.X1 - 1.5, box.X1 + 1.5);
        Assert.InRange(columns.Max() + 1, box.X2 - 1.5, box.X2 + 1.5);
        Assert.InRange(rows.Min(), box.Y1 - 1.5, box.Y1 + 1.5);
        Assert.InRange(rows.Max() + 1, box.Y2 - 1.5, box.Y2 + 1.5);
    }

    [Fact]
    public void Lighting_shifts_and_scales_around_mid_grey_and_stays_in_range()
    {
        using var scope = NewDisposeScope();
        var images = full(1, 3, 4, 4, 0.75f);
        var lit = BatchAugmenter.Apply(images, [new BatchAugmenter.Draw(false, 0, 0.05f, 1.1f)]);
        Assert.Equal((0.75f - 0.5f) * 1.1f + 0.5f + 0.05f, lit[0, 0, 0, 0].item<float>(), 5);
        var extreme = BatchAugmenter.Apply(ones(1, 3, 4, 4), [new BatchAugmenter.Draw(false, 0, 0.5f, 2f)]);
        Assert.Equal(1f, extreme.max().item<float>());
    }

    [Fact]
    public void The_same_seed_draws_the_same_augmentation()
    {
        var options = new AugmentOptions(64);
        var a = Enumerable.Range(0, 20).Select(i => BatchAugmenter.Sample(options, new Random(i))).ToList();
        var b = Enumerable.Range(0, 20).Select(i => BatchAugmenter.Sample(options, new Random(i))).ToList();
        Assert.Equal(a, b);
        Assert.Contains(a, d => d.Flip);
        Assert.Contains(a, d => !d.Flip);
        Assert.All(a, d => Assert.InRange(Math.Abs(d.RotationRadians), 0, 3 * Math.PI / 180 + 1e-12));
    }
}
