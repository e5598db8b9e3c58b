using Spotter.Boxes;
using Spotter.Data.Loading;
using Spotter.Tests.Training;
using static TorchSharp.torch;

namespace Spotter.Tests.Data;

public sealed class MosaicTests(TrainingFixture fixture) : IClassFixture<TrainingFixture>
{
    private const int Size = 64;

    // Four flat byte images (grey levels 25 to 100), each white inside its boxes.
    private static (Tensor[] Images, Box[][] Boxes) FlatImagesWithWhiteSquares(Box[][] boxes)
    {
        var images = new Tensor[4];
        for (var q = 0; q < 4; q++)
        {
            images[q] = full(3, Size, Size, 25 * (q + 1), dtype: uint8);
            foreach (var b in boxes[q])
                images[q][.., (int)b.Y1..(int)b.Y2, (int)b.X1..(int)b.X2] = full(3, (int)(b.Y2 - b.Y1), (int)(b.X2 - b.X1), 255, dtype: uint8);
        }
        return (images, boxes);
    }

    private static byte Pixel(Tensor view, int x, int y) => view[0, y, x].item<byte>();

    [Fact]
    public void Four_halved_images_meet_at_the_centre_and_their_boxes_follow_them()
    {
        using var scope = NewDisposeScope();
        // Centre (24, 40): top-left image at x -8..24, y 8..40; top-right x 24..56, y 8..40;
        // bottom-left x -8..24, y 40..72; bottom-right x 24..56, y 40..72 (the view is 64 x 64).
        var (images, boxes) = FlatImagesWithWhiteSquares([
            [new Box(0, 0, 32, 32), new Box(0, 0, 16, 64)], // half in view (kept, clipped); wholly left of it (dropped)
            [new Box(16, 16, 48, 48)],                     // wholly in view
            [new Box(32, 0, 64, 32)],                      // wholly in view
            [new Box(0, 40, 20, 64), new Box(10, 8, 30, 24)]]); // a third in view (dropped); in view
        var (view, kept) = Mosaic.Compose(images, boxes, new Mosaic.Layout([1, 2, 3], 24, 40, Size / 2), Size);

        Assert.Equal(new long[] { 3, Size, Size }, view.shape);
        Assert.Equal(
            [(new Box(0, 8, 8, 24), 0, 0), (new Box(32, 16, 48, 32), 1, 0), (new Box(8, 40, 24, 56), 2, 0), (new Box(29, 44, 39, 52), 3, 1)],
            kept);
        // Each image's own grey in its quadrant, white inside its boxes, the canvas (ImageNet's mean in bytes) where no image lies.
        Assert.Equal(ScalarType.Byte, view.dtype);
        Assert.Equal(50, Pixel(view, 28, 12));
        Assert.Equal(255, Pixel(view, 40, 24));
        Assert.Equal(75, Pixel(view, 2, 62));
        Assert.Equal(255, Pixel(view, 16, 48));
        Assert.Equal(255, Pixel(view, 34, 48));
        Assert.Equal(255, Pixel(view, 4, 16));
        Assert.Equal(25, Pixel(view, 12, 36));
        Assert.Equal(new byte[] { 124, 116, 104 }, view[.., 4, 60].data<byte>().ToArray());
        Assert.Equal(124, Pixel(view, 20, 2));
    }

    [Fact]
    public void Whole_size_images_keep_their_boxes_size_and_are_cut_at_the_view()
    {
        using var scope = NewDisposeScope();
        // Centre (16, 48), images 64 wide: top-left at x -48..16, y -16..48; top-right x 16..80, y -16..48;
        // bottom-left x -48..16, y 48..112; bottom-right x 16..80, y 48..112.
        var (images, boxes) = FlatImagesWithWhiteSquares([
            [new Box(40, 20, 60, 40)],                      // x -8..12, y 4..24: 60 % in view (kept, clipped)
            [new Box(8, 8, 40, 40), new Box(50, 0, 64, 8)], // y -8..24: 75 % in view (kept); x 66..80: right of it (dropped)
            [new Box(48, 0, 64, 32)],                       // x 0..16, y 48..64: half in view (kept, clipped)
            [new Box(0, 0, 16, 40)]]);                      // y 48..88: 40 % in view (dropped)
        var (view, kept) = Mosaic.Compose(images, boxes, new Mosaic.Layout([1, 2, 3], 16, 48, Size), Size);

        Assert.Equal(
            [(new Box(0, 4, 12, 24), 0, 0), (new Box(24, 0, 56, 24), 1, 0), (new Box(0, 48, 16, 64), 2, 0)],
            kept);
        Assert.Equal(255, Pixel(view, 4, 10));  // the first image's box, at full size
        Assert.Equal(25, Pixel(view, 14, 2));   // the first image's own grey
        Assert.Equal(255, Pixel(view, 30, 10)); // the second image's box
        Assert.Equal(50, Pixel(view, 60, 40));
        Assert.Equal(255, Pixel(view, 8, 60));  // the third image's box
        Assert.Equal(255, Pixel(view, 20, 60)); // the fourth image's dropped box is still drawn
        Assert.Equal(100, Pixel(view, 40, 60));
    }

    [Theory]
    [InlineData(0.5, Size / 2, Size / 4, 3 * Size / 4)]
    [InlineData(1.0, Size, 0, Size)]
    [InlineData(0.75, 48, 8, 56)]
    public void A_mosaics_centre_stays_within_half_an_image_of_the_views_middle(double scale, int side, int low, int high)
    {
        var rng = new Random(5);
        var layouts = Enumerable.Range(0, 500).Select(_ => Mosaic.Sample(1, 10, Size, rng, scale)!.Value).ToList();
        Assert.All(layouts, l => Assert.Equal(side, l.Side));
        Assert.Equal(low, layouts.Min(l => Math.Min(l.CentreX, l.CentreY)));
        Assert.Equal(high, layouts.Max(l => Math.Max(l.CentreX, l.CentreY)));
    }

    [Fact]
    public void A_mosaic_is_drawn_as_often_as_asked_with_its_centre_in_the_middle_half()
    {
        var rng = new Random(11);
        var layouts = Enumerable.Range(0, 2000).Select(_ => Mosaic.Sample(0.3, 10, Size, rng)).ToList();
        Assert.InRange(layouts.Count(l => l is not null), 500, 700);
        foreach (var l in layouts.OfType<Mosaic.Layout>())
        {
            Assert.InRange(l.CentreX, Size / 4, 3 * Size / 4);
            Assert.InRange(l.CentreY, Size / 4, 3 * Size / 4);
            Assert.All(l.Others, i => Assert.InRange(i, 0, 9));
        }
        Assert.Null(Mosaic.Sample(0, 10, Size, new Random(1)));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(4, 1)]
    [InlineData(20, 3)]
    [InlineData(55, 8)]
    public void The_last_epochs_of_a_fit_go_without_mosaics(int epochs, int closing) => Assert.Equal(closing, Mosaic.ClosingEpochs(epochs));

    private (Tensor Images, string Boxes) FirstBatch(AugmentOptions augment, bool mosaic)
    {
        var images = fixture.Dataset.Images.Take(16).ToList();
        var loader = new BatchLoader(images, new ImageStore(Size, images.Count), augment, batchSize: 8, shuffle: true, seed: 4);
        using var batch = loader.Epoch(1, mosaic).First();
        foreach (var (boxes, classes) in batch.Boxes.Zip(batch.Classes))
        {
            Assert.Equal(boxes.Length, classes.Length);
            Assert.All(boxes, b => Assert.True(b.HasArea && b.X1 >= 0 && b.Y1 >= 0 && b.X2 <= Size && b.Y2 <= Size, $"{b} lies in the view"));
            Assert.All(classes, c => Assert.InRange(c, 0, fixture.Dataset.Classes.Count - 1));
        }
        return (batch.Images.clone().DetachFromDisposeScope(), string.Join(";", batch.Boxes.Select(b => string.Join(",", b))));
    }

    [Theory]
    [InlineData(1.0, 0.0)]
    [InlineData(0.0, 1.0)]
    [InlineData(0.5, 1.0)]
    public void With_mosaics_and_pastes_left_out_a_batch_is_the_one_it_was_without_them(double mosaic, double copyPaste)
    {
        var options = new AugmentOptions(Size, Mosaic: mosaic, CopyPaste: copyPaste);
        var (plain, plainBoxes) = FirstBatch(new AugmentOptions(Size), mosaic: true);
        var (closed, closedBoxes) = FirstBatch(options, mosaic: false);
        var (composed, composedBoxes) = FirstBatch(options, mosaic: true);
        Assert.Equal(plainBoxes, closedBoxes);
        Assert.True(plain.equal(closed).all().item<bool>(), "same pixels");
        Assert.NotEqual(plainBoxes, composedBoxes);
        Assert.False(plain.equal(composed).all().item<bool>(), "mosaics and pastes change the pixels");
    }
}
