using TorchSharp;
using TorchSharp.Modules;
using Spotter.Models.Backbones;
using Spotter.Models.Ssd;
using static TorchSharp.torch;

namespace Spotter.Models.Largest;

/// <summary>
/// A largest-object head that keeps the feature maps' layout (<c>--box-head cells</c>). As in a
/// feature pyramid, the S/32 map is upsampled and added to the S/16 map, and that to the S/8 map
/// (each projected to one width by a 1x1 conv), so there is one cell per 8 input pixels. Every
/// cell proposes one box around itself (its centre within a quarter of the input of the cell's
/// centre, any width and height) and class logits, and casts a vote for holding the largest
/// object. The answer is the vote-weighted mean of the proposals and logits around the winning
/// cell (<see cref="Pool"/>).
///
/// Why not the lessons' flatten -> linear: it must learn the position of every cell from scratch
/// and gets one training signal per image; on the synthetic scenes it reached a mean IoU of about
/// 0.5 (0.55 after 30 epochs at 224 px on a GPU). Here a proposal only has to be right relative to
/// its own cell, and the cells around the true centre all learn from each image, as a detector's
/// anchors do (<see cref="Losses"/>). The losses keep the lessons' form: L1 in input pixels for the
/// box, cross-entropy for the class, the class term weighted (20 by default).
/// </summary>
public sealed class CellVoteHead : nn.Module<Tensor[], Tensor>
{
    private readonly ModuleList<Conv2d> lateral; // 1x1 projections of the used stages, finest first
    private readonly Sequential block;
    private readonly Conv2d output;
    private readonly int _classes;

    /// <summary>Stride of the cells: one proposal per this many input pixels.</summary>
    public const int Stride = 8;

    /// <summary>How far a proposal's centre may be from its cell's, as a fraction of the input.</summary>
    public const double Reach = 0.25;

    /// <param name="stageChannels">Channels of the body's stages (strides 4, 8, 16, 32); those from <see cref="Stride"/> on are used.</param>
    public CellVoteHead(IReadOnlyList<int> stageChannels, int classes, double dropoutScale = 1, int width = 128) : base(nameof(CellVoteHead))
    {
        _classes = classes;
        lateral = nn.ModuleList(stageChannels.Skip(FirstStage).Select(c => nn.Conv2d(c, width, 1)).ToArray());
        block = nn.Sequential(nn.ReLU(), nn.Conv2d(width, width, 3, padding: 1), nn.ReLU(), nn.BatchNorm2d(width), nn.Dropout(0.1 * dropoutScale));
        output = nn.Conv2d(width, 1 + 4 + classes, 1);
        RegisterComponents();
    }

    /// <summary>For export: the lateral 1x1 convs (finest first), the conv block and the output conv.</summary>
    internal (IReadOnlyList<Conv2d> Lateral, Sequential Block, Conv2d Output) Parts => (lateral.ToList(), block, output);

    /// <summary>The first body stage the head reads (stage 0 has stride 4).</summary>
    internal static int FirstStage => (int)Math.Log2(Stride) - 2; // stage 0 has stride 4

    /// <param name="stages">The body's stage outputs, strides 4 to 32.</param>
    /// <returns>Per cell (N x (5 + C) x cells): its vote weight (summing to 1 over the cells), its
    /// proposal as fractions of the input (x1, y1, x2, y2), its class logits.</returns>
    public override Tensor forward(Tensor[] stages)
    {
        using var scope = NewDisposeScope();
        // Top-down, as a feature pyramid; only the finest merged map is used.
        var merged = FeaturePyramid.TopDown(lateral.ToList(), stages[FirstStage..])[0];
        return Proposals(Backbone.Convolve(output, block.forward(merged))).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Raw cell outputs N x (5 + C) x rows x cols (vote, x and y offsets, width and height, class
    /// logits) to the per-cell layout of <see cref="forward"/>.
    /// </summary>
    public static Tensor Proposals(Tensor raw)
    {
        using var scope = NewDisposeScope();
        var (rows, cols) = (raw.shape[2], raw.shape[3]);
        var cells = raw.flatten(2); // row-major
        var (cx, cy) = CellCentres(rows, cols, raw.device);
        var x = cx + tanh(cells[.., 1]) * Reach;
        var y = cy + tanh(cells[.., 2]) * Reach;
        var halfW = sigmoid(cells[.., 3]) / 2;
        var halfH = sigmoid(cells[.., 4]) / 2;
        var votes = softmax(cells[.., 0], 1);
        return cat([stack([votes, x - halfW, y - halfH, x + halfW, y + halfH], 1), cells[.., 5..]], 1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The answer, N x (4 + C): the vote-weighted mean of the proposals and logits of the cells
    /// around the winning cell (its 3 x 3 neighbourhood on the rows x cols grid, which holds every
    /// cell trained on the same object). Farther cells are left out: their proposals were never
    /// trained for this object, so even a small vote would pull the box off.
    /// </summary>
    public static Tensor Pool(Tensor proposals, long rows, long cols)
    {
        using var scope = NewDisposeScope();
        var votes = proposals[.., 0]; // N x cells
        var winner = votes.argmax(1, keepdim: true);
        var cell = arange(rows * cols, device: proposals.device).unsqueeze(0);
        var near = ((cell.floor_divide(cols) - winner.floor_divide(cols)).abs() <= 1).logical_and((cell % cols - winner % cols).abs() <= 1);
        var weights = votes * near;
        weights = weights / weights.sum(1, keepdim: true);
        return (weights.unsqueeze(1) * proposals[.., 1..]).sum(2).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The losses, trained densely as a detector's are (one box per image gives too little signal
    /// to learn precise boxes in a few epochs). The cells responsible for the true box are those
    /// in its central part (FCOS's centre sampling): within a quarter of its width and height of
    /// its centre, and at least within one cell of it, so a small box has the cells next to its
    /// centre and a large one many (all within <see cref="Reach"/>). Each of them learns the box
    /// (L1 in input pixels, as in the lessons) and the class (cross-entropy); the vote learns to
    /// put its mass on them (-log of the mass). Returns the three terms, each averaged over the batch.
    /// </summary>
    /// <param name="proposals">The head's output for a rows x cols grid.</param>
    /// <param name="boxes">The true boxes, N x 4 in input pixels.</param>
    /// <param name="classes">The true classes (N), or null for the box-only task.</param>
    public static (Tensor Box, Tensor Vote, Tensor? Class) Losses(Tensor proposals, Tensor boxes, Tensor? classes, int inputSize, long rows, long cols)
    {
        using var scope = NewDisposeScope();
        var (cx, cy) = CellCentres(rows, cols, proposals.device);
        var centreX = (boxes[.., 0] + boxes[.., 2]).unsqueeze(1) / (2 * inputSize);
        var centreY = (boxes[.., 1] + boxes[.., 3]).unsqueeze(1) / (2 * inputSize);
        var rangeX = ((boxes[.., 2] - boxes[.., 0]).unsqueeze(1) / (4 * inputSize)).clamp_min(1.0 / cols);
        var rangeY = ((boxes[.., 3] - boxes[.., 1]).unsqueeze(1) / (4 * inputSize)).clamp_min(1.0 / rows);
        var responsible = ((cx - centreX).abs() < rangeX).logical_and((cy - centreY).abs() < rangeY).to(float32); // N x cells
        var count = responsible.sum(1);

        var l1 = (proposals[.., 1..5] * inputSize - boxes.unsqueeze(2)).abs().mean([1]); // N x cells
        var box = ((responsible * l1).sum(1) / count).mean();
        var vote = -(proposals[.., 0] * responsible).sum(1).clamp_min(1e-6).log().mean();
        Tensor? classLoss = null;
        if (classes is not null)
        {
            var logProbabilities = nn.functional.log_softmax(proposals[.., 5..], 1); // N x C x cells
            var truth = logProbabilities.gather(1, classes.view(-1, 1, 1).expand([-1, 1, l1.shape[1]])).squeeze(1);
            classLoss = (-(responsible * truth).sum(1) / count).mean().MoveToOuterDisposeScope();
        }
        return (box.MoveToOuterDisposeScope(), vote.MoveToOuterDisposeScope(), classLoss);
    }

    /// <summary>Cell centres as fractions of the input, each of length rows x cols in row-major order.</summary>
    private static (Tensor X, Tensor Y) CellCentres(long rows, long cols, Device device)
    {
        var y = ((arange(rows, dtype: float32, device: device) + 0.5) / rows).repeat_interleave(cols);
        var x = ((arange(cols, dtype: float32, device: device) + 0.5) / cols).repeat(rows);
        return (x, y);
    }
}
