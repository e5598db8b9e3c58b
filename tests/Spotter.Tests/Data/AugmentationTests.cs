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
        Assert.Equal(new Box(22, 3, 30, 20), BatchAugmenter.Apply(boxes, Flip, 32).Boxes[0]);
        Assert.Equal(boxes, BatchAugmenter.Apply(BatchAugmenter.Apply(boxes, Flip, 32).Boxes, Flip, 32).Boxes);
    }

    [Theory]
    [InlineData(10.0, false, 1.0, 0.0, 0.0)]
    [InlineData(-25.0, false, 1.0, 0.0, 0.0)]
    [InlineData(15.0, true, 1.0, 0.0, 0.0)]
    [InlineData(0.0, false, 1.5, -0.2, 0.1)]
    [InlineData(5.0, true, 1.3, 0.15, -0.1)]
    [InlineData(0.0, false, 0.7, 0.3, -0.25)]
    public void A_warped_box_encloses_the_warped_object_snugly(double degrees, bool flip, double zoom, double centreX, double centreY)
    {
        using var scope = NewDisposeScope();
        const int size = 96;
        var image = zeros(1, 3, size, size);
        image[.., .., 30..50, 20..60] = ones(1, 3, 20, 40); // a white bar: x 20..60, y 30..50
        var draw = new BatchAugmenter.Draw(flip, degrees * Math.PI / 180, 0, 1, zoom, centreX, centreY);

        var rotated = BatchAugmenter.Apply(image, [draw]);
        var box = BatchAugmenter.Apply([new Box(20, 30, 60, 50)], draw, size).Boxes[0];

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
    public void A_zoom_in_drops_boxes_whose_centre_leaves_the_view_and_clips_the_rest()
    {
        // Twice magnified about the top-left quarter's centre: the view is x, y 0..48 of a 96 px image.
        var draw = new BatchAugmenter.Draw(false, 0, 0, 1, Zoom: 2, CentreX: -0.5, CentreY: -0.5);
        var (boxes, kept) = BatchAugmenter.Apply([new Box(10, 10, 20, 30), new Box(40, 40, 60, 50), new Box(70, 70, 90, 90)], draw, 96);
        Assert.Equal([true, false, false], kept);   // the second's centre (50, 45) is just out of view
        Assert.Equal(new Box(20, 20, 40, 60), boxes[0]);
        Assert.Equal(new Box(80, 80, 96, 96), boxes[1]); // clipped (and not kept)
    }

    [Fact]
    public void A_zoom_out_keeps_every_box_and_shows_grey_canvas_not_a_reflection()
    {
        using var scope = NewDisposeScope();
        var image = ones(1, 3, 64, 64);
        var draw = new BatchAugmenter.Draw(false, 0, 0, 1, Zoom: 0.5, CentreX: 1, CentreY: 0);
        var shrunk = BatchAugmenter.Apply(image, [draw]);
        // The image's right edge lands in the middle: it fills x 0..32, y 16..48; around it the canvas is ImageNet's mean colour.
        Assert.Equal(1f, shrunk[0, 0, 32, 16].item<float>(), 4);
        Assert.Equal(0.485f, shrunk[0, 0, 32, 48].item<float>(), 4);
        Assert.Equal(0.406f, shrunk[0, 2, 4, 20].item<float>(), 4);
        var (boxes, kept) = BatchAugmenter.Apply([new Box(0, 0, 64, 64), new Box(60, 60, 64, 64)], draw, 64);
        Assert.Equal([true, true], kept);
        Assert.Equal(new Box(0, 16, 32, 48), boxes[0]);
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
        Assert.All(draws, d => Assert.Equal(1, d.Zoom));
    }

    [Fact]
    public void Zoom_draws_stay_in_range_and_leave_the_other_draws_as_they_were()
    {
        var zooming = new AugmentOptions(64, ZoomProbability: 0.5, MaxZoom: 1.5);
        var plain = new AugmentOptions(64);
        var pairs = Enumerable.Range(0, 200).Select(i => (Zoomed: BatchAugmenter.Sample(zooming, new Random(i)), Plain: BatchAugmenter.Sample(plain, new Random(i)))).ToList();
        Assert.All(pairs, p => Assert.Equal(p.Plain, p.Zoomed with { Zoom = 1, CentreX = 0, CentreY = 0 }));
        var zooms = pairs.Select(p => p.Zoomed).Where(d => d.Zoom != 1).ToList();
        Assert.InRange(zooms.Count, 70, 130);
        Assert.Contains(zooms, d => d.Zoom < 1);
        Assert.Contains(zooms, d => d.Zoom > 1);
        Assert.All(zooms, d =>
        {
            Assert.InRange(d.Zoom, 1 / 1.5, 1.5);
            Assert.InRange(Math.Abs(d.CentreX), 0, Math.Abs(1 - 1 / d.Zoom));
            Assert.InRange(Math.Abs(d.CentreY), 0, Math.Abs(1 - 1 / d.Zoom));
        });
        Assert.False(AugmentOptions.ForTraining(64, detect: false, maxZoom: 1.5).Zooms);
        Assert.True(AugmentOptions.ForTraining(64, detect: true, maxZoom: 1.5).Zooms);
        Assert.False(AugmentOptions.ForTraining(64, detect: true, maxZoom: 1).Zooms);
    }

    [Fact]
    public void Saturation_blends_each_pixel_with_its_grey()
    {
        using var scope = NewDisposeScope();
        // One pixel (R, G, B) = (0.8, 0.4, 0.2): luma 0.299 x 0.8 + 0.587 x 0.4 + 0.114 x 0.2 = 0.4968.
        var image = tensor(new[] { 0.8f, 0.4f, 0.2f }, [1, 3, 1, 1]);
        const float grey = 0.4968f;
        var greyed = BatchAugmenter.Apply(image, [new BatchAugmenter.Draw(false, 0, 0, 1, SaturationScale: 0)]);
        Assert.All(greyed.data<float>().ToArray(), v => Assert.Equal(grey, v, 5));
        var vivid = BatchAugmenter.Apply(image, [new BatchAugmenter.Draw(false, 0, 0, 1, SaturationScale: 1.5f)]);
        Assert.Equal([grey + 1.5f * (0.8f - grey), grey + 1.5f * (0.4f - grey), grey + 1.5f * (0.2f - grey)], vivid.data<float>().ToArray(), (a, b) => Math.Abs(a - b) < 1e-5);
    }

    [Fact]
    public void Color_jitter_sets_lighting_and_saturation_and_without_it_the_draws_are_as_before()
    {
        var jittered = AugmentOptions.ForTraining(64, detect: true, maxZoom: 1, colorJitter: 0.3);
        Assert.Equal((0.3, 0.3, 0.3), (jittered.Brightness, jittered.Contrast, jittered.Saturation));
        var draws = Enumerable.Range(0, 200).Select(i => BatchAugmenter.Sample(jittered, new Random(i))).ToList();
        Assert.All(draws, d => Assert.InRange(d.SaturationScale, 0.7f, 1.3f));
        Assert.Contains(draws, d => d.SaturationScale < 0.9f);
        Assert.Contains(draws, d => d.SaturationScale > 1.1f);
        // Not given: the lessons' lighting change, and no saturation draw that would shift the others.
        var plain = AugmentOptions.ForTraining(64, detect: true, maxZoom: 1);
        Assert.Equal((0.05, 0.05, 0.0), (plain.Brightness, plain.Contrast, plain.Saturation));
        Assert.Equal(new AugmentOptions(64), plain);
        Assert.All(Enumerable.Range(0, 50), i => Assert.Equal(1f, BatchAugmenter.Sample(plain, new Random(i)).SaturationScale));
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
