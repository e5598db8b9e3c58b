using Spotter.Boxes;
using static TorchSharp.torch;

namespace Spotter.Tests.Boxes;

/// <summary>ATSS matching (<c>--matcher atss</c>) on anchors small enough to follow by hand.</summary>
public sealed class AdaptiveAnchorMatcherTests
{
    // A 20 x 20 input. Grid A: 2 x 2 cells of 10 px, centres (5,5) (15,5) (5,15) (15,15), two
    // anchors each (10 and 16 px squares): anchors 0-7. Grid B: one cell, centre (10,10), a 20 and a
    // 14 px square: anchors 8 and 9.
    private static AnchorSet Anchors()
    {
        var corners = new List<float>();
        foreach (var (cx, cy) in new[] { (5f, 5f), (15f, 5f), (5f, 15f), (15f, 15f) })
            foreach (var side in new[] { 10f, 16f })
                corners.AddRange([cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2]);
        corners.AddRange([0, 0, 20, 20, 3, 3, 17, 17]);
        return new AnchorSet(tensor(corners.ToArray(), [10, 4]), ones(10, 2), new AnchorGridLayout([8, 2], PerCell: 2));
    }

    private static long[] Match(params float[][] truth)
    {
        using var anchors = Anchors();
        var boxes = tensor(truth.SelectMany(t => t).ToArray(), [truth.Length, 4]);
        return new AdaptiveAnchorMatcher(NearestCells: 2).Match(boxes, anchors).data<long>().ToArray();
    }

    private const long B = AnchorMatcher.Background;

    [Fact]
    public void A_box_sets_its_own_threshold_so_an_anchor_at_iou_0_6_can_be_background()
    {
        // Box 0 (1,0)-(11,9): candidates are the anchors of its two nearest grid-A cells (0-3) and
        // grid B's (8, 9), IoUs 0.743 0.352 0.050 0.116 0.225 0.202: threshold mean + sd = 0.530,
        // so anchor 0 alone. Box 1 (4,3)-(19,19): candidates 6 7 2 3 8 9, IoUs 0.313 0.409 0.227
        // 0.319 0.600 0.717: threshold 0.620, so anchor 9 alone; anchor 8 overlaps it by 0.600,
        // which the fixed 0.5 rule would make a positive, but here it is background.
        Assert.Equal([0, B, B, B, B, B, B, B, B, 1], Match([1, 0, 11, 9], [4, 3, 19, 19]));
        using var anchors = Anchors();
        var fixedRule = new AnchorMatcher(0.5, 0.4).Match(tensor(new float[] { 1, 0, 11, 9, 4, 3, 19, 19 }, [2, 4]), anchors).data<long>().ToArray();
        Assert.Equal(1, fixedRule[8]);
    }

    [Fact]
    public void A_small_box_gets_positives_below_iou_0_5_and_its_best_anchor_even_with_its_centre_outside()
    {
        // (11,4)-(17,14): candidates 2 3 6 7 8 9, IoUs 0.290 0.206 0.176 0.153 0.150 0.306:
        // threshold 0.282. Anchor 2 (0.290, centre (15,5) inside the box) is a positive that the
        // fixed rule's 0.5 would call background. Anchor 9 passes the threshold but its centre
        // (10,10) lies outside the box; it is the box's best anchor, so it is claimed anyway.
        Assert.Equal([B, B, 0, B, B, B, B, B, B, 0], Match([11, 4, 17, 14]));
    }

    [Fact]
    public void An_image_without_boxes_is_all_background()
    {
        using var anchors = Anchors();
        Assert.All(new AdaptiveAnchorMatcher().Match(zeros(0, 4), anchors).data<long>().ToArray(), m => Assert.Equal(B, m));
    }
}
