using Spotter.Boxes;
using Spotter.Models.Ssd;
using TorchSharp;
using static TorchSharp.torch;

namespace Spotter.Tests.Boxes;

public sealed class GeometryTests
{
    private static float[] Values(Tensor t) => t.contiguous().data<float>().ToArray();

    [Fact]
    public void Iou_of_literal_boxes()
    {
        using var scope = NewDisposeScope();
        var a = tensor(new float[,] { { 0, 0, 10, 10 }, { 0, 0, 2, 2 } });
        var b = tensor(new float[,] { { 5, 5, 15, 15 }, { 20, 20, 30, 30 }, { 0, 0, 10, 10 } });
        var iou = BoxOps.Iou(a, b);
        // 25 / (100 + 100 - 25); disjoint; identical; 4 / 100 inside.
        Assert.Equal(new[] { 25f / 175, 0, 1, 0, 0, 4f / 100 }, Values(iou), new FloatTolerance(1e-6f));
        Assert.Equal(new[] { 25f / 175, 0 }, Values(BoxOps.AlignedIou(a, b[..2])), new FloatTolerance(1e-6f));
    }

    [Fact]
    public void Generalised_iou_of_literal_boxes()
    {
        using var scope = NewDisposeScope();
        var a = tensor(new float[,] { { 0, 0, 10, 10 }, { 0, 0, 2, 2 }, { 3, 3, 7, 9 } });
        var b = tensor(new float[,] { { 5, 5, 15, 15 }, { 20, 20, 30, 30 }, { 3, 3, 7, 9 } });
        // Overlapping: IoU 25/175 less the 50 of the 225 enclosing pixels neither covers; disjoint:
        // 0 less (900 - 104)/900; identical: 1.
        Assert.Equal(new[] { 25f / 175 - 50f / 225, -796f / 900, 1 }, Values(BoxOps.AlignedGiou(a, b)), new FloatTolerance(1e-6f));
    }

    [Fact]
    public void Box_voting_averages_the_boxes_of_the_kept_box_s_class_by_score()
    {
        using var scope = NewDisposeScope();
        var boxes = tensor(new float[,] { { 0, 0, 10, 10 }, { 2, 0, 12, 10 }, { 50, 50, 60, 60 } });
        var scores = tensor(new float[,] { { 0.9f, 0.1f }, { 0.3f, 0.9f }, { 0.8f, 0.8f } }); // anchor x class
        var kept = tensor(new float[,] { { 0, 0, 10, 10 }, { 2, 0, 12, 10 } });
        var keptClasses = tensor(new long[] { 0, 1 });
        // Class 0's box: anchors 0 (0.9) and 1 (0.3, IoU 80/120) vote; anchor 2 does not overlap.
        // Class 1's box: anchor 1 (0.9) and anchor 0 (0.1).
        Assert.Equal(new[] { 0.5f, 0, 10.5f, 10, 1.8f, 0, 11.8f, 10 },
            Values(BoxVoting.Refine(kept, keptClasses, boxes, scores, 0.05, 0.5)), new FloatTolerance(1e-5f));
        // A vote needs a score above the threshold (0.1 is not above 0.2) and the IoU (0.667 < 0.7).
        Assert.Equal(new[] { 0f, 0, 10, 10, 2, 0, 12, 10 }, Values(BoxVoting.Refine(kept, keptClasses, boxes, scores, 0.2, 0.7)), new FloatTolerance(1e-5f));
        Assert.Equal(new[] { 1.8f, 0, 11.8f, 10 }, Values(BoxVoting.Refine(kept[1..], keptClasses[1..], boxes, scores, 0.05, 0.5)), new FloatTolerance(1e-5f));
    }

    [Fact]
    public void Anchors_of_the_lesson_preset_and_of_a_tiny_grid()
    {
        using var scope = NewDisposeScope();
        using var lesson = LessonAnchors(224);
        Assert.Equal(189, lesson.Count);
        using var anchors = new AnchorGenerator([1.0], [1.0, 4.0]).Generate([(2, 2)], 100, 100);
        Assert.Equal(new long[] { 8, 4 }, anchors.Boxes.shape);
        // Cell (row 0, col 1): centre (75, 25), side 50; ratio 4 -> 100 wide, 25 high.
        Assert.Equal(new[] { 50f, 0, 100, 50 }, Values(anchors.Boxes[2]));
        Assert.Equal(new[] { 25f, 12.5f, 125, 37.5f }, Values(anchors.Boxes[3]));
        Assert.Equal(new[] { 50f, 50f }, Values(anchors.CellSizes[3]));
        // A 2 x 4 map over a 100 x 50 input: 25 x 25 cells; at scale 2 the anchor of (row 0, column 1),
        // centred at (37.5, 12.5), is 50 wide.
        using var wide = new AnchorGenerator([1.0], [1.0], Scale: 2).Generate([(2, 4)], 100, 50);
        Assert.Equal(new[] { 12.5f, -12.5f, 62.5f, 37.5f }, Values(wide.Boxes[1]));
    }

    /// <summary>Lesson 9's anchors: 4x4, 2x2 and 1x1 grids, zooms 0.7, 1, 1.3 and three ratios (189).</summary>
    private static AnchorSet LessonAnchors(int size) =>
        new AnchorGenerator([0.7, 1.0, 1.3], [1.0, 0.5, 2.0]).Generate([(4, 4), (2, 2), (1, 1)], size, size);

    [Fact]
    public void Every_ground_truth_claims_its_best_anchor_and_others_match_by_threshold()
    {
        using var scope = NewDisposeScope();
        var anchors = tensor(new float[,] { { 0, 0, 10, 10 }, { 1, 0, 11, 10 }, { 50, 50, 60, 60 }, { 0, 0, 20, 20 }, { 100, 100, 110, 110 } });
        var truth = tensor(new float[,] { { 0, 0, 10, 10 }, { 52, 52, 62, 62 } });
        var matched = new AnchorMatcher(PositiveIou: 0.5, NegativeIou: 0.4).Match(truth, anchors).data<long>().ToArray();
        // Anchor 0: IoU 1 with box 0. Anchor 1: IoU 90/110 = 0.82 -> box 0. Anchor 2: IoU 64/136 = 0.47,
        // in the ignore band, but it is box 1's best anchor, so it is box 1's. Anchor 3: IoU 0.25 ->
        // background. Anchor 4: nothing -> background.
        Assert.Equal(new long[] { 0, 0, 1, AnchorMatcher.Background, AnchorMatcher.Background }, matched);

        var ignored = new AnchorMatcher(0.5, 0.2).Match(truth, anchors).data<long>().ToArray();
        Assert.Equal(AnchorMatcher.Ignore, ignored[3]); // 0.25 lies between 0.2 and 0.5
        Assert.All(new AnchorMatcher().Match(empty(0, 4), anchors).data<long>().ToArray(), m => Assert.Equal(AnchorMatcher.Background, m));
    }

    [Fact]
    public void Ssd_offsets_round_trip_and_zero_means_the_anchor()
    {
        using var scope = NewDisposeScope();
        using var anchors = LessonAnchors(224);
        var coder = new SsdBoxCoder();
        Assert.True((coder.Decode(zeros(189, 4), anchors) - anchors.Boxes).abs().max().item<float>() < 1e-4f);
        var boxes = anchors.Boxes + (rand(189, 4, generator: new Generator(2)) - 0.5f) * 20;
        boxes = stack([minimum(boxes[.., 0], boxes[.., 2] - 1), minimum(boxes[.., 1], boxes[.., 3] - 1), boxes[.., 2], boxes[.., 3]], 1);
        Assert.True((coder.Decode(coder.Encode(boxes, anchors), anchors) - boxes).abs().max().item<float>() < 1e-3f);
        // A wild size activation (exp(0.2 x 1000) overflows float) is clamped at 1000/16 times the anchor, as torchvision does.
        using var one = LessonAnchors(224).Select(tensor(new long[] { 0 }));
        var wild = coder.Decode(tensor(new float[,] { { 0, 0, 1000, 1000 } }), one);
        var anchorWidth = (one.Boxes[0, 2] - one.Boxes[0, 0]).item<float>();
        Assert.Equal(anchorWidth * 1000f / 16, (wild[0, 2] - wild[0, 0]).item<float>(), anchorWidth * 1e-3f);
    }

    [Fact]
    public void Lesson_tanh_decoding_moves_half_a_cell_and_round_trips_inside_its_range()
    {
        using var scope = NewDisposeScope();
        using var anchors = new AnchorGenerator([1.0], [1.0]).Generate([(2, 2)], 100, 100); // 50 px cells, 50 px anchors
        var coder = new LessonBoxCoder();
        var huge = full(4, 4, 50f);                        // tanh -> 1: centre +25 px, size x1.5
        Assert.Equal(new[] { 12.5f, 12.5f, 87.5f, 87.5f }, Values(coder.Decode(huge, anchors)[0]), new FloatTolerance(1e-4f));
        var target = tensor(new float[,] { { 5, 10, 45, 40 }, { 55, 5, 95, 55 }, { 0, 50, 50, 100 }, { 60, 60, 90, 95 } });
        Assert.True((coder.Decode(coder.Encode(target, anchors), anchors) - target).abs().max().item<float>() < 1e-2f);
    }

    [Fact]
    public void Greedy_nms_keeps_what_torchvision_keeps_on_random_boxes()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(4);
        for (var trial = 0; trial < 5; trial++)
        {
            var corners = rand(300, 2, generator: generator) * 200;
            var sizes = rand(300, 2, generator: generator) * 60 + 5;
            var boxes = cat([corners, corners + sizes], 1);
            var scores = rand(300, generator: generator);
            var ours = Nms.Greedy(boxes, scores, 0.5).data<long>().ToArray();
            var theirs = torchvision.ops.nms(boxes, scores, 0.5).data<long>().ToArray();
            Assert.Equal(theirs, ours);
        }
    }

    [Fact]
    public void Batched_nms_never_suppresses_across_classes_and_caps_the_count()
    {
        using var scope = NewDisposeScope();
        var boxes = tensor(new float[,] { { 0, 0, 10, 10 }, { 0, 0, 10, 10 }, { 1, 1, 10, 10 }, { 50, 50, 60, 60 } });
        var scores = tensor(new float[] { 0.9f, 0.8f, 0.7f, 0.6f });
        var classes = tensor(new long[] { 0, 1, 0, 0 });
        Assert.Equal(new long[] { 0, 1, 3 }, Nms.Batched(boxes, scores, classes, 0.5).data<long>().ToArray());
        Assert.Equal(new long[] { 0, 1 }, Nms.Batched(boxes, scores, classes, 0.5, maxDetections: 2).data<long>().ToArray());
    }

    [Fact]
    public void Batched_nms_considers_only_each_class_s_best_top_k()
    {
        using var scope = NewDisposeScope();
        // Five separate boxes of class 0 (scores 0.9 .. 0.5) and one of class 1 (0.55): with top-k 2
        // only class 0's two best take part, and class 1's box is unaffected by class 0's count.
        var boxes = tensor(new float[,] { { 0, 0, 10, 10 }, { 20, 0, 30, 10 }, { 40, 0, 50, 10 }, { 60, 0, 70, 10 }, { 80, 0, 90, 10 }, { 0, 0, 10, 10 } });
        var scores = tensor(new float[] { 0.9f, 0.8f, 0.7f, 0.6f, 0.5f, 0.55f });
        var classes = tensor(new long[] { 0, 0, 0, 0, 0, 1 });
        Assert.Equal(new long[] { 0, 1, 5 }, Nms.Batched(boxes, scores, classes, 0.5, topK: 2).data<long>().ToArray());
        Assert.Equal(new long[] { 0, 1, 2, 3, 5, 4 }, Nms.Batched(boxes, scores, classes, 0.5).data<long>().ToArray());
    }

    [Fact]
    public void Focal_loss_matches_a_literal_computation()
    {
        using var scope = NewDisposeScope();
        var logits = tensor(new float[,] { { 2.0f, -1.0f }, { 0.5f, -3.0f } });
        var targets = tensor(new float[,] { { 1, 0 }, { 0, 0 } });
        double expected = 0;
        foreach (var (x, t) in new[] { (2.0, 1.0), (-1.0, 0.0), (0.5, 0.0), (-3.0, 0.0) })
        {
            var p = 1 / (1 + Math.Exp(-x));
            var pt = t == 1 ? p : 1 - p;
            var w = t == 1 ? 0.25 : 0.75;
            expected += -w * Math.Pow(1 - pt, 2) * Math.Log(pt);
        }
        Assert.Equal(expected, FocalLoss.Compute(logits, targets).item<float>(), 5);
    }
}
