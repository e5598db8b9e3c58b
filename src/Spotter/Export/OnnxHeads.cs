using Onnx;
using Spotter.Boxes;
using Spotter.Models.Largest;
using Spotter.Models.Ssd;
using static TorchSharp.torch;

namespace Spotter.Export;

/// <summary>
/// The task-specific ends of the exported graphs, each ending in Spotter's output contract
/// <c>detections</c>: N x K x 6 (x1, y1, x2, y2 in input pixels, score, class index), best first,
/// rows after an image's last detection all zero. Intermediate values that the export check
/// compares with TorchSharp are exposed as extra outputs named check_*.
/// </summary>
internal static class OnnxHeads
{
    public const string CheckPrefix = "check_";

    /// <summary>
    /// The SSD detector: heads on every level, sigmoid scores, boxes decoded from the anchors and
    /// clipped to the input, class-aware NonMaxSuppression, the best K of all classes.
    /// </summary>
    public static void Ssd(OnnxGraph g, string images, SsdModel model, int maxDetections, float scoreThreshold)
    {
        var (body, bodyLevels, neck, extras, heads, anchors) = model.Parts;
        var options = model.Spec.DetectorSettings;
        var size = model.InputSize;
        var classes = model.ClassCount;
        var stages = OnnxModules.Backbone(g, images, body, size);
        var levels = bodyLevels.Select(i => stages[i]).ToList();
        if (neck is not null) levels = Pyramid(g, levels, neck.Lateral);
        var x = stages[^1];
        foreach (var extra in extras)
        {
            x = OnnxModules.Sequential(g, x, (TorchSharp.Modules.Sequential)extra, 4);
            levels.Add(x);
        }
        var logits = new List<string>();
        var deltas = new List<string>();
        for (var i = 0; i < levels.Count; i++)
        {
            var (block, classConv, boxConv) = heads[i].Parts;
            var features = OnnxModules.Sequential(g, levels[i], block, 4);
            logits.Add(PerAnchor(g, OnnxModules.Conv(g, features, classConv), classes));
            deltas.Add(PerAnchor(g, OnnxModules.Conv(g, features, boxConv), 4));
        }
        var scores = g.Node("Sigmoid", [g.Node("Concat", logits, ("axis", 1L))]);            // N x A x C
        var boxes = Decode(g, g.Node("Concat", deltas, ("axis", 1L)), anchors, options.BoxCoder, size); // N x A x 4
        g.Alias(scores, CheckPrefix + "scores");
        g.Alias(boxes, CheckPrefix + "boxes");
        g.Output(CheckPrefix + "scores", TensorProto.Types.DataType.Float, "N", anchors.Count, classes);
        g.Output(CheckPrefix + "boxes", TensorProto.Types.DataType.Float, "N", anchors.Count, 4);
        var k = (int)Math.Min(maxDetections, anchors.Count * classes);
        TopDetections(g, boxes, scores, anchors.Count, classes, k, (float)options.NmsIou, scoreThreshold, options);
    }

    /// <summary><see cref="FeaturePyramid.TopDown"/>: lateral 1x1 convs, each level plus the upsampled merge above it.</summary>
    private static List<string> Pyramid(OnnxGraph g, IReadOnlyList<string> levels, IReadOnlyList<TorchSharp.Modules.Conv2d> lateral)
    {
        var merged = new string[levels.Count];
        for (var i = levels.Count - 1; i >= 0; i--)
        {
            var projected = OnnxModules.Conv(g, levels[i], lateral[i]);
            merged[i] = i == levels.Count - 1 ? projected : g.Node("Add", [projected, Upsample(g, merged[i + 1], projected)]);
        }
        return [.. merged];
    }

    /// <summary>A head conv's N x (k F) x H x W output as N x (H W k) x F, the anchor order.</summary>
    private static string PerAnchor(OnnxGraph g, string x, int features) =>
        g.Node("Reshape", [g.Node("Transpose", [x], ("perm", (long[])[0, 2, 3, 1])), g.Int64s("shape", 0, -1, features)]);

    private static string Decode(OnnxGraph g, string deltas, AnchorSet anchors, BoxCoderKind coder, int size)
    {
        using var scope = NewDisposeScope();
        var a = anchors.Boxes;
        var aw = a[.., 2] - a[.., 0];
        var ah = a[.., 3] - a[.., 1];
        var acx = a[.., 0] + aw / 2;
        var acy = a[.., 1] + ah / 2;
        string Row(Tensor t) => g.Constant("anchor", OnnxModules.Floats(t), 1, t.shape[0]);
        string Column(int i) => g.Node("Squeeze", [g.Node("Slice", [deltas, g.Int64s("start", i), g.Int64s("end", i + 1), g.Int64s("axis", 2)]), g.Int64s("axis", 2)]);
        string Mul(string p, string q) => g.Node("Mul", [p, q]);
        string Add(string p, string q) => g.Node("Add", [p, q]);
        var (dx, dy, dw, dh) = (Column(0), Column(1), Column(2), Column(3));
        string cx, cy, w, h;
        if (coder == BoxCoderKind.Ssd)
        {
            var ssd = new SsdBoxCoder();
            var centre = g.Scalar((float)ssd.CentreVariance);
            var sizeVariance = g.Scalar((float)ssd.SizeVariance);
            var maxLog = g.Scalar((float)SsdBoxCoder.MaxLogScale);
            cx = Add(Row(acx), Mul(Mul(dx, centre), Row(aw)));
            cy = Add(Row(acy), Mul(Mul(dy, centre), Row(ah)));
            w = Mul(Row(aw), g.Node("Exp", [g.Node("Min", [Mul(dw, sizeVariance), maxLog])]));
            h = Mul(Row(ah), g.Node("Exp", [g.Node("Min", [Mul(dh, sizeVariance), maxLog])]));
        }
        else
        {
            // The lesson's tanh decoding: centre moves up to half a cell, size 0.5 to 1.5 times the anchor.
            var half = g.Scalar(0.5f);
            var one = g.Scalar(1f);
            cx = Add(Row(acx), Mul(Mul(g.Node("Tanh", [dx]), half), Row(anchors.CellSizes[.., 0])));
            cy = Add(Row(acy), Mul(Mul(g.Node("Tanh", [dy]), half), Row(anchors.CellSizes[.., 1])));
            w = Mul(Row(aw), Add(one, Mul(g.Node("Tanh", [dw]), half)));
            h = Mul(Row(ah), Add(one, Mul(g.Node("Tanh", [dh]), half)));
        }
        var halfOf = g.Scalar(2f);
        string Corner(string c, string extent, bool low) => g.Node(low ? "Sub" : "Add", [c, g.Node("Div", [extent, halfOf])]);
        var corners = new[] { Corner(cx, w, true), Corner(cy, h, true), Corner(cx, w, false), Corner(cy, h, false) }
            .Select(c => g.Node("Unsqueeze", [c, g.Int64s("axis", 2)]));
        return g.Node("Clip", [g.Node("Concat", corners, ("axis", 2L)), g.Scalar(0), g.Scalar(size)]);
    }

    /// <summary>
    /// NonMaxSuppression per class, then the best <paramref name="k"/> survivors of each image
    /// across classes (TopK over a dense score grid where the suppressed are 0), as N x K x 6.
    /// </summary>
    private static void TopDetections(OnnxGraph g, string boxes, string scores, long anchors, int classes, int k, float nmsIou, float scoreThreshold, DetectorOptions options)
    {
        var byClass = g.Node("Transpose", [scores], ("perm", (long[])[0, 2, 1]));                     // N x C x A
        var selected = g.Node("NonMaxSuppression", [boxes, byClass, g.Int64s("max_per_class", k), g.Constant("iou", [nmsIou], 1), g.Constant("score_threshold", [scoreThreshold], 1)]);
        var keptScores = g.Node("GatherND", [byClass, selected]);                                       // M
        var dense = g.Node("ScatterND", [g.Node("ConstantOfShape", [g.Node("Shape", [byClass])]), selected, keptScores]);
        var flat = g.Node("Reshape", [dense, g.Int64s("shape", 0, -1)]);                               // N x (C A)
        var top = g.Nodes("TopK", [flat, g.Int64s("k", k)], 2, ("axis", 1L), ("largest", 1L), ("sorted", 1L));
        var (values, indices) = (top[0], top[1]);
        var anchorCount = g.Int64Scalar("anchors", anchors);
        var classIndex = g.Node("Div", [indices, anchorCount]);
        var anchorIndex = g.Node("Mod", [indices, anchorCount]);
        var gatherIndex = g.Node("Expand", [g.Node("Unsqueeze", [anchorIndex, g.Int64s("axis", 2)]), g.Node("Concat", [g.Node("Shape", [anchorIndex]), g.Int64s("four", 4)], ("axis", 0L))]);
        var topBoxes = g.Node("GatherElements", [boxes, gatherIndex], ("axis", 1L));                   // N x K x 4
        if (options.BoxVotingIou is { } votingIou)
            topBoxes = VotedBoxes(g, topBoxes, classIndex, byClass, boxes, (float)options.ScoreThreshold, (float)votingIou);
        var columns = new[] { topBoxes, Unsqueeze(g, values), Unsqueeze(g, g.Node("Cast", [classIndex], ("to", (long)TensorProto.Types.DataType.Float))) };
        var kept = g.Node("Cast", [g.Node("Greater", [Unsqueeze(g, values), g.Scalar(0)])], ("to", (long)TensorProto.Types.DataType.Float));
        Finish(g, g.Node("Mul", [g.Node("Concat", columns, ("axis", 2L)), kept]), k);
    }

    /// <summary>
    /// <see cref="BoxVoting"/> in the graph: each of the K boxes becomes the score-weighted mean of
    /// the anchors' boxes of its class that score above the threshold and overlap it by the IoU.
    /// </summary>
    private static string VotedBoxes(OnnxGraph g, string kept, string keptClasses, string byClass, string boxes, float scoreThreshold, float iou)
    {
        // kept: N x K x 4 -> N x K x 1 per coordinate; boxes: N x A x 4 -> N x 1 x A.
        string Kept(int i) => Slice(g, kept, 2, i, i + 1);
        var (kx1, ky1, kx2, ky2) = (Kept(0), Kept(1), Kept(2), Kept(3));
        var byCoordinate = g.Node("Transpose", [boxes], ("perm", (long[])[0, 2, 1]));                   // N x 4 x A
        string Anchors(int i) => Slice(g, byCoordinate, 1, i, i + 1);                                    // N x 1 x A
        var (ax1, ay1, ax2, ay2) = (Anchors(0), Anchors(1), Anchors(2), Anchors(3));
        var zero = g.Scalar(0);
        string Extent(string low, string high) => g.Node("Max", [g.Node("Sub", [high, low]), zero]);
        var intersection = g.Node("Mul", [
            Extent(g.Node("Max", [kx1, ax1]), g.Node("Min", [kx2, ax2])),
            Extent(g.Node("Max", [ky1, ay1]), g.Node("Min", [ky2, ay2]))]);                             // N x K x A
        var union = g.Node("Sub", [g.Node("Add", [g.Node("Mul", [Extent(kx1, kx2), Extent(ky1, ky2)]), g.Node("Mul", [Extent(ax1, ax2), Extent(ay1, ay2)])]), intersection]);
        var overlap = g.Node("Div", [intersection, g.Node("Max", [union, g.Scalar(1e-9f)])]);
        // Each anchor's score for the kept box's class: byClass (N x C x A) gathered at the K classes.
        var classRows = g.Node("Expand", [Unsqueeze(g, keptClasses), g.Node("Concat", [g.Node("Shape", [keptClasses]), g.Node("Slice", [g.Node("Shape", [byClass]), g.Int64s("start", 2), g.Int64s("end", 3)])], ("axis", 0L))]);
        var votes = g.Node("GatherElements", [byClass, classRows], ("axis", 1L));                       // N x K x A
        var voting = g.Node("And", [g.Node("Greater", [votes, g.Scalar(scoreThreshold)]), g.Node("GreaterOrEqual", [overlap, g.Scalar(iou)])]);
        var weights = g.Node("Mul", [votes, g.Node("Cast", [voting], ("to", (long)TensorProto.Types.DataType.Float))]);
        var total = g.Node("ReduceSum", [weights, g.Int64s("axes", 2)], ("keepdims", 1L));               // N x K x 1
        var mean = g.Node("Div", [g.Node("MatMul", [weights, boxes]), g.Node("Max", [total, g.Scalar(1e-12f)])]);
        // A box nothing votes for (an empty row, or a degenerate box) stays as it was.
        return g.Node("Where", [g.Node("Greater", [total, zero]), mean, kept]);
    }

    /// <summary>
    /// A largest-object model: one detection per image (K = 1). A class-only model's box is the
    /// whole input; a box-only model's class index is -1 and its score 1.
    /// </summary>
    public static void Largest(OnnxGraph g, string images, LargestObjectModel model)
    {
        var (body, lessonHead, cells) = model.Parts;
        var size = model.InputSize;
        var stages = OnnxModules.Backbone(g, images, body, size);
        string? box = null, logits = null;
        if (cells is not null)
        {
            var pooled = CellsPooled(g, stages, cells, size);                                            // N x (4 + C)
            box = g.Node("Mul", [Slice(g, pooled, 1, 0, 4), g.Scalar(size)]);
            if (model.Task == ModelTask.Largest) logits = Slice(g, pooled, 1, 4, 4 + model.ClassCount);
        }
        else
        {
            var output = OnnxModules.Sequential(g, stages[^1], (TorchSharp.Modules.Sequential)lessonHead!, 4);
            (box, logits) = model.Task switch
            {
                ModelTask.ClassifyLargest => ((string?)null, output),
                ModelTask.LocateLargest => (output, null),
                _ => (g.Node("Mul", [g.Node("Sigmoid", [Slice(g, output, 1, 0, 4)]), g.Scalar(size)]), Slice(g, output, 1, 4, 4 + model.ClassCount)),
            };
        }
        var batch = g.Node("Slice", [g.Node("Shape", [images]), g.Int64s("start", 0), g.Int64s("end", 1)]);
        box ??= g.Node("Expand", [g.Constant("whole", [0, 0, size, size], 1, 4), g.Node("Concat", [batch, g.Int64s("four", 4)], ("axis", 0L))]);
        string score, classIndex;
        if (logits is not null)
        {
            var top = g.Nodes("TopK", [g.Node("Softmax", [logits], ("axis", 1L)), g.Int64s("k", 1)], 2, ("axis", 1L));
            score = top[0];
            classIndex = g.Node("Cast", [top[1]], ("to", (long)TensorProto.Types.DataType.Float));
        }
        else
        {
            var ones = g.Node("Expand", [g.Constant("one", [1f], 1, 1), g.Node("Concat", [batch, g.Int64s("one", 1)], ("axis", 0L))]);
            score = ones;
            classIndex = g.Node("Neg", [ones]);
        }
        g.Alias(box, CheckPrefix + "box");
        g.Output(CheckPrefix + "box", TensorProto.Types.DataType.Float, "N", 4);
        Finish(g, Unsqueeze(g, g.Node("Concat", [box, score, classIndex], ("axis", 1L)), 1), 1);
    }

    /// <summary>The cells head (<see cref="CellVoteHead"/>): proposals per cell, then the vote-weighted mean around the winning cell.</summary>
    private static string CellsPooled(OnnxGraph g, string[] stages, CellVoteHead head, int size)
    {
        var (lateral, block, output) = head.Parts;
        var merged = Pyramid(g, stages[CellVoteHead.FirstStage..], lateral)[0];
        var raw = OnnxModules.Conv(g, OnnxModules.Sequential(g, merged, block, 4), output);          // N x (5 + C) x R x Co
        var cells = g.Node("Reshape", [raw, g.Int64s("shape", 0, 0, -1)]);                        // N x (5 + C) x cells, row-major
        var rows = size / CellVoteHead.Stride;
        var count = rows * rows;
        var cy = Enumerable.Range(0, count).Select(i => (float)((i / rows + 0.5) / rows)).ToArray();
        var cx = Enumerable.Range(0, count).Select(i => (float)((i % rows + 0.5) / rows)).ToArray();
        string Channel(int c) => g.Node("Squeeze", [Slice(g, cells, 1, c, c + 1), g.Int64s("axis", 1)]);   // N x cells
        var reach = g.Scalar((float)CellVoteHead.Reach);
        var half = g.Scalar(2f);
        var x = g.Node("Add", [g.Constant("cx", cx, 1, count), g.Node("Mul", [g.Node("Tanh", [Channel(1)]), reach])]);
        var y = g.Node("Add", [g.Constant("cy", cy, 1, count), g.Node("Mul", [g.Node("Tanh", [Channel(2)]), reach])]);
        var halfW = g.Node("Div", [g.Node("Sigmoid", [Channel(3)]), half]);
        var halfH = g.Node("Div", [g.Node("Sigmoid", [Channel(4)]), half]);
        var votes = g.Node("Softmax", [Channel(0)], ("axis", 1L));
        var corners = new[] { g.Node("Sub", [x, halfW]), g.Node("Sub", [y, halfH]), g.Node("Add", [x, halfW]), g.Node("Add", [y, halfH]) }
            .Select(c => Unsqueeze(g, c, 1));
        var proposals = g.Node("Concat", [.. corners, Slice(g, cells, 1, 5, long.MaxValue)], ("axis", 1L)); // N x (4 + C) x cells

        // The winner's 3 x 3 neighbourhood on the grid; the votes there, renormalised, weight the proposals.
        var winner = g.Node("ArgMax", [votes], ("axis", 1L), ("keepdims", 1L));                       // N x 1
        var columnsCount = g.Int64Scalar("cols", rows);
        var index = g.Int64s("cells", [.. Enumerable.Range(0, count).Select(i => (long)i)]);
        var cellRow = g.Node("Div", [index, columnsCount]);
        var cellColumn = g.Node("Mod", [index, columnsCount]);
        var near = g.Node("And", [
            Within1(g, g.Node("Sub", [cellRow, g.Node("Div", [winner, columnsCount])])),
            Within1(g, g.Node("Sub", [cellColumn, g.Node("Mod", [winner, columnsCount])]))]);
        var weights = g.Node("Mul", [votes, g.Node("Cast", [near], ("to", (long)TensorProto.Types.DataType.Float))]);
        weights = g.Node("Div", [weights, g.Node("ReduceSum", [weights, g.Int64s("axis", 1)], ("keepdims", 1L))]);
        return g.Node("ReduceSum", [g.Node("Mul", [Unsqueeze(g, weights, 1), proposals]), g.Int64s("axis", 2)], ("keepdims", 0L));
    }

    private static string Within1(OnnxGraph g, string difference) =>
        g.Node("LessOrEqual", [g.Node("Abs", [difference]), g.Int64Scalar("one", 1)]);

    /// <summary>Nearest-neighbour upsampling of <paramref name="x"/> to the spatial size of <paramref name="like"/>.</summary>
    private static string Upsample(OnnxGraph g, string x, string like)
    {
        var sizes = g.Node("Shape", [like]);
        return g.Node("Resize", [x, "", "", sizes], ("mode", "nearest"), ("coordinate_transformation_mode", "asymmetric"), ("nearest_mode", "floor"));
    }

    private static string Slice(OnnxGraph g, string x, long axis, long start, long end) =>
        g.Node("Slice", [x, g.Int64s("start", start), g.Int64s("end", end), g.Int64s("axis", axis)]);

    private static string Unsqueeze(OnnxGraph g, string x, long axis = 2) => g.Node("Unsqueeze", [x, g.Int64s("axis", axis)]);

    private static void Finish(OnnxGraph g, string detections, int k)
    {
        g.Alias(detections, OnnxExport.OutputName);
        g.Output(OnnxExport.OutputName, TensorProto.Types.DataType.Float, "N", k, 6);
    }
}
