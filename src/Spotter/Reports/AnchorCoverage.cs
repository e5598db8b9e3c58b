using Spotter.Boxes;
using Spotter.Data;
using Spotter.Models;
using Spotter.Models.Ssd;
using static TorchSharp.torch;

namespace Spotter.Reports;

/// <summary>
/// Which ground-truth boxes a detector's anchors can learn: a box is reached when its best anchor
/// has at least the matcher's positive IoU with it (the box squashed to the input, as the model
/// sees it). A box no anchor reaches only ever trains the background, whatever the recipe, so
/// poor coverage says: change <c>--size</c> or the anchors before training longer.
/// Sizes are COCO's buckets measured at the input size (small under 32 x 32 px, large from 96 x 96).
/// </summary>
public sealed class AnchorCoverage
{
    public static readonly string[] Buckets = ["small", "medium", "large"];

    /// <summary>One class (or all) in one size bucket (or all): boxes, and how many an anchor reaches.</summary>
    public sealed record Row(string Class, string Bucket, int Boxes, int Reached)
    {
        public double Share => Boxes == 0 ? double.NaN : (double)Reached / Boxes;
    }

    /// <summary>A box no anchor reaches, in the image's own pixels, with its best IoU.</summary>
    public sealed record Missed(ImageRecord Image, LabeledBox Object, double BestIou);

    private AnchorCoverage(int inputSize, double positiveIou, IReadOnlyList<Row> rows, IReadOnlyList<Missed> missed)
    {
        InputSize = inputSize;
        PositiveIou = positiveIou;
        Rows = rows;
        Unreached = missed;
    }

    public int InputSize { get; }
    public double PositiveIou { get; }

    /// <summary>Per class and bucket, then "all" rows (class "all" per bucket, and bucket "all" per class).</summary>
    public IReadOnlyList<Row> Rows { get; }

    public IReadOnlyList<Missed> Unreached { get; }

    public Row Total => Rows.Single(r => r.Class == "all" && r.Bucket == "all");

    /// <summary>
    /// Coverage of the anchors of a detector built from <paramref name="spec"/>. Only the anchor grid
    /// is used, and every backbone Spotter has is a ResNet with the same strides, so the grid is read
    /// off the tiny ResNet (a test checks the grids are equal): a fraction of a second instead of seconds.
    /// </summary>
    public static AnchorCoverage Measure(IReadOnlyList<ImageRecord> images, IReadOnlyList<string> classes, ModelSpec spec)
    {
        using var model = (SsdModel)ModelFactory.CreateUntrained(spec with { Backbone = "tiny" });
        return Measure(images, classes, model.AnchorBoxes, spec.InputSize, spec.DetectorSettings.PositiveIou);
    }

    public static AnchorCoverage Measure(IReadOnlyList<ImageRecord> images, IReadOnlyList<string> classes, Tensor anchors, int inputSize, double positiveIou)
    {
        var boxes = images.SelectMany(i => i.Objects.Select(o => (Image: i, Object: o, AtInput: o.Box.Scale((float)inputSize / i.Width, (float)inputSize / i.Height)))).ToList();
        var best = BestIou(boxes.Select(b => b.AtInput).ToList(), anchors);
        var counts = new Dictionary<(string, string), (int Boxes, int Reached)>();
        void Count(string c, string bucket, bool reached)
        {
            var (n, r) = counts.GetValueOrDefault((c, bucket));
            counts[(c, bucket)] = (n + 1, r + (reached ? 1 : 0));
        }
        var missed = new List<Missed>();
        for (var k = 0; k < boxes.Count; k++)
        {
            var reached = best[k] >= positiveIou - 1e-9;
            var bucket = BucketOf(boxes[k].AtInput);
            var name = classes[boxes[k].Object.ClassIndex];
            foreach (var c in new[] { name, "all" })
                foreach (var b in new[] { bucket, "all" })
                    Count(c, b, reached);
            if (!reached) missed.Add(new Missed(boxes[k].Image, boxes[k].Object, best[k]));
        }
        var rows = classes.Append("all").SelectMany(c => Buckets.Append("all").Select(b =>
        {
            var (n, r) = counts.GetValueOrDefault((c, b));
            return new Row(c, b, n, r);
        })).ToList();
        return new AnchorCoverage(inputSize, positiveIou, rows, missed);
    }

    /// <summary>The sizes <see cref="ChooseSize"/> tries, smallest (fastest) first.</summary>
    public static readonly int[] SizeChoices = [224, 256, 320, 384, 448, 512];

    /// <summary>The share every class must reach for a size to be enough.</summary>
    public const double EnoughShare = 0.95;

    /// <summary>The class whose boxes an anchor reaches least (null when there are no boxes).</summary>
    public Row? WorstClass => Rows.Where(r => r.Class != "all" && r.Bucket == "all" && r.Boxes > 0).MinBy(r => r.Share);

    /// <summary>That class's share (1 when there are no boxes).</summary>
    public double WorstClassShare => WorstClass?.Share ?? 1;

    /// <summary>
    /// <c>train</c>'s input size when none is given (settings from the data): the smallest of
    /// <see cref="SizeChoices"/> at which the anchors reach at least <see cref="EnoughShare"/> of every
    /// class's training boxes - small objects need a larger input, and a larger input costs time
    /// roughly with its area. When no size does, the one that reaches most of the worst class. The
    /// reason is one line.
    /// </summary>
    public static (int Size, string Reason) ChooseSize(IReadOnlyList<ImageRecord> images, ModelSpec spec)
    {
        var tried = Measured(images, spec, SizeChoices).ToList();
        if (tried[0].Coverage.Total.Boxes == 0) return (tried[0].Size, $"--size {tried[0].Size}: the training split has no boxes to fit it to");
        var enough = tried.FindIndex(t => t.Coverage.WorstClassShare >= EnoughShare);
        if (enough >= 0)
        {
            var (size, coverage) = tried[enough];
            var smaller = enough > 0 ? $"; at {tried[enough - 1].Size} {tried[enough - 1].Coverage.WorstClass!.Class} has {tried[enough - 1].Coverage.WorstClassShare:P1}" : "";
            return (size, $"--size {size} from the data: the smallest input at which the anchors reach 95 % of every class's boxes ({coverage.WorstClass?.Class} {coverage.WorstClassShare:P1}{smaller})");
        }
        var best = tried.MaxBy(t => t.Coverage.WorstClassShare);
        return (best.Size, $"--size {best.Size} from the data: no size up to {SizeChoices[^1]} lets the anchors reach 95 % of every class ({best.Coverage.WorstClass?.Class} {best.Coverage.WorstClassShare:P1} at best); for small objects in large images try --tile");
    }

    // Coverage at each size in turn, measured only as far as the caller reads (it stops at the first size that is enough).
    private static IEnumerable<(int Size, AnchorCoverage Coverage)> Measured(IReadOnlyList<ImageRecord> images, ModelSpec spec, IEnumerable<int> sizes)
    {
        foreach (var size in sizes)
        {
            var coverage = Measure(images, spec.Classes, spec with { InputSize = size });
            yield return (size, coverage);
            if (coverage.WorstClassShare >= EnoughShare) yield break;
        }
    }

    public static string BucketOf(Box box) => box.Area < Box.SmallArea ? "small" : box.Area < Box.LargeArea ? "medium" : "large";

    /// <summary>One line of advice when coverage is poor, or null.</summary>
    public string? Advice()
    {
        var total = Total;
        if (total.Boxes == 0 || total.Share >= 0.9) return null;
        var worst = Rows.Where(r => r.Class == "all" && r.Bucket != "all" && r.Boxes > 0).MinBy(r => r.Share)!;
        return worst.Bucket == "small"
            ? $"only {total.Share:P0} of the boxes reach an anchor, fewest among small ones ({worst.Share:P0}): try a larger --size, or smaller --anchor-zooms"
            : $"only {total.Share:P0} of the boxes reach an anchor, fewest among {worst.Bucket} ones ({worst.Share:P0}): try other --anchor-zooms or --anchor-ratios, or a lower --positive-iou";
    }

    /// <summary>
    /// What <c>train</c> says before a detector trains: the share of its training boxes an anchor
    /// reaches at the run's size, the worst class, and, when a class falls below 95 %, the smallest
    /// larger size (up to 640) at which every class reaches 95 %.
    /// </summary>
    /// <param name="tile">With sliced training, the tile side: a larger input then means the same tiles upsampled, said as --size S --tile T.</param>
    public static string TrainingAdvice(IReadOnlyList<ImageRecord> images, ModelSpec spec, int? tile = null)
    {
        var coverage = Measure(images, spec.Classes, spec);
        if (coverage.WorstClass is not { } worst) return "Anchor coverage: no training boxes";
        var line = $"Anchor coverage at {spec.InputSize}x{spec.InputSize}: {coverage.Total.Share:P1} of the training boxes reach an anchor (IoU >= {coverage.PositiveIou:0.##}); fewest: {worst.Class} {worst.Share:P1}";
        if (worst.Share >= EnoughShare) return line;
        var larger = Measured(images, spec, new[] { 256, 320, 384, 448, 512, 576, 640 }.Where(s => s > spec.InputSize)).LastOrDefault();
        if (larger.Coverage is not { WorstClassShare: >= EnoughShare } enough)
            return $"{line}. No size up to 640 lifts every class to 95 %: try smaller --anchor-zooms or --anchor-scale ('spotter data check DATASET --size ...' shows the table)";
        var reached = $"every class reaches 95 % ({enough.WorstClass!.Class} {enough.WorstClassShare:P1})";
        return tile is { } side
            ? $"{line}. With --size {larger.Size} --tile {side} (the tiles upsampled) {reached}"
            : $"{line}. At --size {larger.Size} {reached}; 'spotter data check DATASET --size {spec.InputSize} {larger.Size}' shows the table";
    }

    // Best IoU of each box with any anchor, in chunks so the IoU matrix stays small.
    private static double[] BestIou(IReadOnlyList<Box> boxes, Tensor anchors)
    {
        var result = new double[boxes.Count];
        using var anchors32 = anchors.to(float32);
        // Small chunks: the IoU matrix (chunk x anchors) stays in cache and never needs a fresh mapping.
        const int Chunk = 8;
        for (var start = 0; start < boxes.Count; start += Chunk)
        {
            using var scope = NewDisposeScope();
            var part = boxes.Skip(start).Take(Chunk).SelectMany(b => new[] { b.X1, b.Y1, b.X2, b.Y2 }).ToArray();
            var corners = tensor(part, [part.Length / 4, 4]);
            var best = BoxOps.Iou(corners, anchors32).max(1).values.data<float>().ToArray();
            for (var i = 0; i < best.Length; i++) result[start + i] = best[i];
        }
        return result;
    }
}
