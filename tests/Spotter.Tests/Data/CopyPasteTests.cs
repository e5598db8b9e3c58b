using Spotter.Boxes;
using Spotter.Data.Loading;
using static TorchSharp.torch;

namespace Spotter.Tests.Data;

public sealed class CopyPasteTests
{
    private const int Size = 64;

    // A flat byte image of one grey level, each box painted its own level.
    private static Tensor Painted(int grey, params (Box Box, int Level)[] boxes)
    {
        var image = full(3, Size, Size, grey, dtype: uint8);
        foreach (var (b, level) in boxes)
            image[.., (int)b.Y1..(int)b.Y2, (int)b.X1..(int)b.X2] = full(3, (int)b.Height, (int)b.Width, level, dtype: uint8);
        return image;
    }

    private static byte Pixel(Tensor view, int x, int y) => view[0, y, x].item<byte>();

    // The donor: one 8 x 16 object (level 200) of class 1 in a grey-50 image.
    private static readonly Box DonorBox = new(4, 4, 12, 20);

    private static CopyPaste.Plan Plan(bool left, double overlap = 0.25, double height = 1) =>
        new(Donor: 0, DonorObject: 0, Neighbour: 0, Left: left, Overlap: overlap, Shift: 0, Height: height);

    [Fact]
    public void An_object_is_pasted_beside_its_neighbour_at_its_height_overlapping_it_and_labelled()
    {
        using var scope = NewDisposeScope();
        var neighbour = new Box(20, 16, 36, 48); // 16 x 32
        var view = Painted(25, (neighbour, 255));
        var donor = Painted(50, (DonorBox, 200));

        // At the neighbour's height the object doubles to 16 x 32; a quarter of 16 overlaps, on the right.
        var (pasted, boxes, classes) = CopyPaste.Compose(view, [neighbour], [0], () => donor, [DonorBox], [1], Plan(left: false), Size)!.Value;

        Assert.Equal([neighbour, new Box(32, 16, 48, 48)], boxes);
        Assert.Equal([0, 1], classes);
        Assert.Equal(200, Pixel(pasted, 40, 30));
        Assert.Equal(200, Pixel(pasted, 33, 20)); // over the neighbour's right quarter
        Assert.Equal(255, Pixel(pasted, 30, 20)); // the rest of the neighbour
        Assert.Equal(25, Pixel(pasted, 50, 20));
        Assert.Equal(25, Pixel(view, 40, 30)); // the view given is not written
    }

    [Fact]
    public void A_paste_that_does_not_fit_on_the_drawn_side_goes_on_the_other()
    {
        using var scope = NewDisposeScope();
        var neighbour = new Box(48, 16, 64, 48);
        var donor = Painted(50, (DonorBox, 200));

        // On the right only 4 of its 16 columns would be in view; on the left it fits whole.
        var (pasted, boxes, _) = CopyPaste.Compose(Painted(25, (neighbour, 255)), [neighbour], [0], () => donor, [DonorBox], [0], Plan(left: false), Size)!.Value;

        Assert.Equal(new Box(36, 16, 52, 48), boxes[1]);
        Assert.Equal(200, Pixel(pasted, 40, 30));
    }

    [Fact]
    public void A_paste_that_would_hide_an_object_on_the_drawn_side_goes_on_the_other()
    {
        using var scope = NewDisposeScope();
        var neighbour = new Box(20, 16, 36, 48);
        var other = new Box(38, 20, 46, 40); // wholly under a paste on the right (32..48)

        var (_, boxes, _) = CopyPaste.Compose(Painted(25, (neighbour, 255), (other, 255)), [neighbour, other], [0, 0], () => Painted(50, (DonorBox, 200)), [DonorBox], [0], Plan(left: false), Size)!.Value;

        Assert.Equal([neighbour, other, new Box(8, 16, 24, 48)], boxes);
    }

    [Fact]
    public void A_shrunk_paste_averages_the_donors_pixels()
    {
        using var scope = NewDisposeScope();
        var neighbour = new Box(20, 24, 28, 32); // 8 x 8: the 8 x 16 object halves to 4 x 8
        var donor = Painted(50, (DonorBox, 200));
        donor[.., 4..20, 4..5] = full(3, 16, 1, 100, dtype: uint8); // its first column darker

        var (pasted, boxes, _) = CopyPaste.Compose(Painted(25, (neighbour, 255)), [neighbour], [0], () => donor, [DonorBox], [0], Plan(left: true, overlap: 0), Size)!.Value;

        Assert.Equal(new Box(16, 24, 20, 32), boxes[1]);
        Assert.Equal(150, Pixel(pasted, 16, 28)); // the mean of the 100 column and a 200 one
        Assert.Equal(200, Pixel(pasted, 19, 28));
    }

    [Fact]
    public void No_paste_where_it_would_hide_an_object_or_has_no_room_or_nothing_to_go_beside()
    {
        using var scope = NewDisposeScope();
        var neighbour = new Box(20, 16, 36, 48);
        var donor = Painted(50, (DonorBox, 200));
        var view = Painted(25, (neighbour, 255));

        // A second object where the paste would land on the right (32..48), and one on the left (8..24).
        Assert.Null(CopyPaste.Compose(view, [neighbour, new Box(38, 20, 46, 40), new Box(10, 20, 18, 40)], [0, 0, 0], () => donor, [DonorBox], [0], Plan(left: false), Size));
        // An object that fills the view leaves no room on either side, and the donor's pixels are not even fetched.
        Assert.Null(CopyPaste.Compose(view, [new Box(0, 0, 64, 64)], [0], () => throw new InvalidOperationException("fetched"), [DonorBox], [0], Plan(left: true), Size));
        // Nothing to paste beside, or nothing to paste.
        Assert.Null(CopyPaste.Compose(view, [], [], () => donor, [DonorBox], [0], Plan(left: true), Size));
        Assert.Null(CopyPaste.Compose(view, [neighbour], [0], () => donor, [], [], Plan(left: true), Size));
    }

    [Fact]
    public void A_paste_is_drawn_as_often_as_asked_within_its_ranges()
    {
        var rng = new Random(3);
        var plans = Enumerable.Range(0, 2000).Select(_ => CopyPaste.Sample(0.3, 10, rng)).ToList();
        Assert.InRange(plans.Count(p => p is not null), 500, 700);
        foreach (var p in plans.OfType<CopyPaste.Plan>())
        {
            Assert.InRange(p.Donor, 0, 9);
            Assert.InRange(p.Overlap, 0, CopyPaste.MaxOverlap);
            Assert.InRange(p.Shift, -CopyPaste.MaxShift, CopyPaste.MaxShift);
            Assert.InRange(p.Height, CopyPaste.MinHeight, 1);
        }
        Assert.Null(CopyPaste.Sample(0, 10, new Random(1)));
    }
}
