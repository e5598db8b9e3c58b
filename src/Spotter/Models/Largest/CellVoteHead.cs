using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Spotter.Models.Largest;

/// <summary>
/// A largest-object head that keeps the feature maps' layout (<c>--box-head cells</c>). The S/32
/// map, upsampled, is added to the S/16 map (both projected to one width, as in a feature
/// pyramid), so there is one cell per 16 input pixels. Every cell proposes one box near itself
/// (its centre within one cell of the cell's centre, any width and height) and class logits, and
/// casts a vote for holding the largest object. The answer is the vote-weighted mean of the
/// proposals and logits (the votes concentrate on a few cells that agree).
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
    private readonly Conv2d coarse;
    private readonly Conv2d fine;
    private readonly Sequential block;
    private readonly Conv2d output;
    private readonly int _classes;

    /// <param name="stageChannels">Channels of the body's stages; the last two (S/16, S/32) are used.</param>
    public CellVoteHead(IReadOnlyList<int> stageChannels, int classes, double dropoutScale = 1, int width = 256) : base(nameof(CellVoteHead))
    {
        _classes = classes;
        coarse = nn.Conv2d(stageChannels[^1], width, 1);
        fine = nn.Conv2d(stageChannels[^2], width, 1);
        block = nn.Sequential(nn.ReLU(), nn.Conv2d(width, width, 3, padding: 1), nn.ReLU(), nn.BatchNorm2d(width), nn.Dropout(0.1 * dropoutScale));
        output = nn.Conv2d(width, 1 + 4 + classes, 1);
        RegisterComponents();
    }

    /// <param name="stages">The body's stage outputs, strides 4 to 32.</param>
    /// <returns>Per cell (N x (5 + C) x cells): its vote weight (summing to 1 over the cells), its
    /// proposal as fractions of the input (x1, y1, x2, y2), its class logits.</returns>
    public override Tensor forward(Tensor[] stages)
    {
        using var scope = NewDisposeScope();
        var small = stages[^2];
        var merged = fine.forward(small) + nn.functional.interpolate(coarse.forward(stages[^1]), [small.shape[2], small.shape[3]], mode: InterpolationMode.Nearest);
        return Proposals(output.forward(block.forward(merged))).MoveToOuterDisposeScope();
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
        var x = cx + tanh(cells[.., 1]) / cols;
        var y = cy + tanh(cells[.., 2]) / rows;
        var halfW = sigmoid(cells[.., 3]) / 2;
        var halfH = sigmoid(cells[.., 4]) / 2;
        var votes = softmax(cells[.., 0], 1);
        return cat([stack([votes, x - halfW, y - halfH, x + halfW, y + halfH], 1), cells[.., 5..]], 1).MoveToOuterDisposeScope();
    }

    /// <summary>The answer: the vote-weighted mean of the proposals and logits, N x (4 + C).</summary>
    public static Tensor Pool(Tensor proposals)
    {
        using var scope = NewDisposeScope();
        return (proposals[.., ..1] * proposals[.., 1..]).sum(2).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The losses, trained densely as a detector's are (one box per image gives too little signal
    /// to learn precise boxes in a few epochs). The cells responsible for the true box are those
    /// within one cell of its centre in both directions (the reach of a proposal; at least the
    /// cell holding the centre). Each of them learns the box (L1 in input pixels, as in the
    /// lessons) and the class (cross-entropy); the vote learns to put its mass on them
    /// (-log of the mass). Returns the three terms, each averaged over the batch.
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
        var responsible = ((cx - centreX).abs() < 1.0 / cols).logical_and((cy - centreY).abs() < 1.0 / rows).to(float32); // N x cells
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
