using Spotter.Boxes;
using Spotter.Evaluation;

namespace Spotter.Tests.Evaluation;

public sealed class MeanAveragePrecisionTests
{
    private static readonly string[] Classes = ["cat", "dog"];
    private static readonly Box A = new(0, 0, 100, 100), B = new(200, 200, 300, 300), C = new(400, 0, 420, 20);

    private static MapReport Evaluate(params EvaluatedImage[] images) => MeanAveragePrecision.Evaluate(images, Classes);

    private static Detection Found(int classIndex, Box box, float score) => Detection.Of(classIndex, score, box, Classes);

    [Fact]
    public void Perfect_detections_score_one_everywhere()
    {
        var report = Evaluate(new EvaluatedImage([new TruthBox(0, A), new TruthBox(1, B), new TruthBox(0, C)],
            [Found(0, A, 0.9f), Found(1, B, 0.8f), Found(0, C, 0.7f)]));
        Assert.Equal(1, report.Map50, 9);
        Assert.Equal(1, report.Map50Voc07, 9);
        Assert.Equal(1, report.Map50To95, 9);
        Assert.Equal(1, report.MapSmall!.Value, 9);  // C is 20x20
        Assert.Null(report.MapMedium);                // no object between 32x32 and 96x96
        Assert.Equal(1, report.MapLarge!.Value, 9);
        Assert.Equal(new Dictionary<string, double> { ["cat"] = 1, ["dog"] = 1 }, report.PerClassAp50);
    }

    [Fact]
    public void No_detections_score_zero()
    {
        var report = Evaluate(new EvaluatedImage([new TruthBox(0, A)], []));
        Assert.Equal(0, report.Map50);
        Assert.Equal(0, report.Map50Voc07);
        Assert.Equal(0, report.Map50To95);
    }

    [Fact]
    public void A_duplicate_is_a_false_positive_hand_computed()
    {
        // Two cats; detections A (0.9), A again (0.8), B (0.7): TP, FP, TP.
        // Recall 0.5, 0.5, 1; precision 1, 0.5, 2/3.
        // All points: 0.5 x 1 + 0.5 x 2/3 = 5/6. Eleven points: (6 x 1 + 5 x 2/3) / 11.
        var report = Evaluate(new EvaluatedImage([new TruthBox(0, A), new TruthBox(0, B)],
            [Found(0, A, 0.9f), Found(0, A, 0.8f), Found(0, B, 0.7f)]));
        Assert.Equal(5.0 / 6, report.Map50, 9);
        Assert.Equal((6 + 5 * 2.0 / 3) / 11, report.Map50Voc07, 9);
        // COCO, at every threshold: the same TP, FP, TP; 101 recall points: 51 at precision 1, 50 at 2/3.
        Assert.Equal((51 + 50 * 2.0 / 3) / 101, report.Map50To95, 9);
    }

    [Fact]
    public void Difficult_objects_are_neither_required_nor_penalised()
    {
        // A detection on the difficult object is ignored, and missing it costs nothing.
        var found = Evaluate(new EvaluatedImage([new TruthBox(0, A), new TruthBox(0, B, Difficult: true)],
            [Found(0, B, 0.95f), Found(0, A, 0.9f)]));
        Assert.Equal(1, found.Map50, 9);
        var missed = Evaluate(new EvaluatedImage([new TruthBox(0, A), new TruthBox(0, B, Difficult: true)], [Found(0, A, 0.9f)]));
        Assert.Equal(1, missed.Map50, 9);
    }

    [Fact]
    public void A_crowd_region_absorbs_detections_inside_it()
    {
        // A crowd of cats over the right half; two detections inside it are ignored, not false positives.
        var crowd = new Box(200, 0, 600, 400);
        var report = Evaluate(new EvaluatedImage([new TruthBox(0, A), new TruthBox(0, crowd, Crowd: true)],
            [Found(0, new Box(250, 50, 300, 100), 0.99f), Found(0, new Box(400, 200, 450, 260), 0.98f), Found(0, A, 0.5f)]));
        Assert.Equal(1, report.Map50To95, 9);
        Assert.Equal(1, report.Map50, 9);
    }

    [Fact]
    public void A_class_without_ground_truth_is_left_out_of_the_mean()
    {
        var report = Evaluate(new EvaluatedImage([new TruthBox(0, A)], [Found(0, A, 0.9f), Found(1, B, 0.9f)]));
        Assert.Equal(1, report.Map50, 9);
        Assert.False(report.PerClassAp50.ContainsKey("dog"));
    }

    [Fact]
    public void A_loose_box_counts_at_iou_half_but_not_at_stricter_thresholds()
    {
        // IoU 0.6: a hit at 0.50 and 0.55, a miss from 0.60 on (0.6 is kept: >= threshold).
        var loose = new Box(0, 0, 100, 60);
        var report = Evaluate(new EvaluatedImage([new TruthBox(0, A)], [Found(0, loose, 0.9f)]));
        Assert.Equal(1, report.Map50, 9);
        Assert.Equal(3.0 / 10, report.Map50To95, 9);
    }

    [Fact]
    public void Only_the_best_hundred_detections_per_image_and_class_count_for_coco()
    {
        var noise = Enumerable.Range(0, 150).Select(i => Found(0, new Box(1000 + i, 1000, 1010 + i, 1010), 0.9f)).ToList();
        noise.Add(Found(0, A, 0.1f)); // the one true detection ranks 151st
        var report = Evaluate(new EvaluatedImage([new TruthBox(0, A)], noise));
        Assert.Equal(0, report.Map50To95, 9);
        Assert.True(report.Map50 > 0); // VOC has no such cap
    }
}
