using Spotter.Boxes;
using Spotter.Data.Loading;
using Spotter.Runtime;
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
    public void The_sampled_augmentations_stay_in_their_ranges_and_flip_about_half_the_time()
    {
        var options = new AugmentOptions(64);
        var draws = Enumerable.Range(0, 200).Select(i => BatchAugmenter.Sample(options, new Random(Seeds.Mix(7, 0, i)))).ToList();
        Assert.InRange(draws.Count(d => d.Flip), 70, 130);
        Assert.All(draws, d => Assert.InRange(Math.Abs(d.RotationRadians), 0, 3 * Math.PI / 180 + 1e-12));
        Assert.Contains(draws, d => d.RotationRadians != 0);
    }
}

/// <summary>The loader's randomness: seeded by (seed, epoch, image) only, so runs repeat and resume exactly.</summary>
public sealed class LoaderSeedTests(Spotter.Tests.Training.TrainingFixture fixture) : IClassFixture<Spotter.Tests.Training.TrainingFixture>
{
    private (Tensor Images, string Order, string Boxes) FirstBatch(int seed, int epoch)
    {
        var images = fixture.Dataset.Images.Take(16).ToList();
        var loader = new BatchLoader(images, new ImageStore(64, images.Count), new AugmentOptions(64), batchSize: 8, shuffle: true, seed);
        using var batch = loader.Epoch(epoch).First();
        return (batch.Images.clone().DetachFromDisposeScope(), string.Join(",", batch.Records.Select(r => r.Id)), string.Join(";", batch.Boxes.SelectMany(b => b)));
    }

    [Fact]
    public void The_same_seed_and_epoch_give_the_same_batch_and_another_seed_or_epoch_another()
    {
        var (images, order, boxes) = FirstBatch(seed: 5, epoch: 2);
        var (again, againOrder, againBoxes) = FirstBatch(seed: 5, epoch: 2);
        Assert.Equal(order, againOrder);
        Assert.Equal(boxes, againBoxes);
        Assert.True(images.equal(again).all().item<bool>(), "same pixels");

        var (_, nextEpochOrder, nextEpochBoxes) = FirstBatch(seed: 5, epoch: 3);
        var (_, otherSeedOrder, otherSeedBoxes) = FirstBatch(seed: 6, epoch: 2);
        Assert.True(order != nextEpochOrder || boxes != nextEpochBoxes, "another epoch draws anew");
        Assert.True(order != otherSeedOrder || boxes != otherSeedBoxes, "another seed draws anew");
    }
}
