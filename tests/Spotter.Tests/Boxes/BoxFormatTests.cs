using Spotter.Boxes;

namespace Spotter.Tests.Boxes;

public sealed class BoxFormatTests
{
    [Fact]
    public void Voc_is_one_based_inclusive()
    {
        // VOC pixel 1 is continuous 0..1, so xmin=1, xmax=1 is one pixel wide.
        Assert.Equal(new Box(0, 0, 1, 1), BoxFormat.FromVoc(1, 1, 1, 1));
        Assert.Equal(new Box(9, 19, 30, 40), BoxFormat.FromVoc(10, 20, 30, 40));
    }

    [Fact]
    public void Coco_and_yolo_give_the_same_corners_for_a_literal_box()
    {
        Assert.Equal(new Box(10, 20, 40, 60), BoxFormat.FromCoco(10, 20, 30, 40));
        // 100x200 image: centre (25, 40), size 30x40.
        Assert.Equal(new Box(10, 20, 40, 60), BoxFormat.FromYolo(0.25, 0.2, 0.3, 0.2, 100, 200));
    }

    [Fact]
    public void Integer_voc_boxes_survive_voc_coco_yolo_voc_exactly()
    {
        var rng = new Random(5);
        for (var i = 0; i < 10_000; i++)
        {
            int w = rng.Next(2, 4000), h = rng.Next(2, 4000);
            int xmin = rng.Next(1, w), ymin = rng.Next(1, h);
            int xmax = rng.Next(xmin, w + 1), ymax = rng.Next(ymin, h + 1);
            var box = BoxFormat.FromVoc(xmin, ymin, xmax, ymax);
            var (x, y, bw, bh) = BoxFormat.ToCoco(box);
            var (cx, cy, nw, nh) = BoxFormat.ToYolo(BoxFormat.FromCoco(x, y, bw, bh), w, h);
            var back = BoxFormat.ToVoc(BoxFormat.FromYolo(cx, cy, nw, nh, w, h));
            Assert.Equal((xmin, ymin, xmax, ymax), back);
        }
    }
}
