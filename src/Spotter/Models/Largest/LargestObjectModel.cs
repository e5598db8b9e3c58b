using Spotter.Boxes;
using Spotter.Data.Loading;
using Spotter.Models.Backbones;
using Spotter.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Spotter.Models.Largest;

/// <summary>
/// A pretrained body with a head for one of the largest-object tasks, both given by
/// <see cref="ModelFactory"/>. Boxes are in the pixels of the Size x Size input. With the
/// lessons' heads the box-only head regresses them directly (L1 loss, lesson 8) and the joint
/// head squashes its box activations with a sigmoid times Size and adds a weighted cross-entropy
/// (lesson 9: L1 + 20 x CE). With the default <see cref="CellVoteHead"/> the same two losses are
/// applied per responsible cell, plus the vote's loss. classify-largest always uses the lessons'
/// pooled classifier head.
/// </summary>
public sealed class LargestObjectModel : nn.Module<Tensor, Tensor>, IImageModel
{
    // Field names are the state-dict names of saved models.
    private readonly Backbone body;
    private readonly nn.Module<Tensor, Tensor>? head;      // the lessons' heads, on the last map
    private readonly CellVoteHead? cells;                   // or the per-cell head, on the S/8-S/32 maps
    private readonly IReadOnlyList<IReadOnlyList<nn.Module>> _groups;

    /// <param name="lessonHead">The lessons' head for the task (on the last map), or null with <paramref name="cellsHead"/>.</param>
    public LargestObjectModel(ModelSpec spec, Backbone backbone, nn.Module<Tensor, Tensor>? lessonHead, CellVoteHead? cellsHead)
        : base(nameof(LargestObjectModel))
    {
        if (!spec.Task.IsLargestObject()) throw new ArgumentException($"not a largest-object task: {spec.Task}", nameof(spec));
        if ((lessonHead is null) == (cellsHead is null)) throw new ArgumentException("give exactly one head");
        Spec = spec;
        body = backbone;
        head = lessonHead;
        cells = cellsHead;
        RegisterComponents();
        _groups = [.. backbone.LayerGroups, [(nn.Module?)head ?? cells!]];
    }

    public ModelSpec Spec { get; }
    public ModelTask Task => Spec.Task;
    public int ClassCount => Spec.Classes.Count;
    public int InputSize => Spec.InputSize;
    public Backbone Body => body;

    public nn.Module<Tensor, Tensor> Module => this;

    public IReadOnlyList<IReadOnlyList<nn.Module>> LayerGroups => _groups;

    /// <summary>For export: the body and the head (the lessons' head or the cells head).</summary>
    internal (Backbone Body, nn.Module<Tensor, Tensor>? LessonHead, CellVoteHead? Cells) Parts => (body, head, cells);

    public override Tensor forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        var output = cells is not null ? cells.forward(body.Stages(images)) : head!.forward(body.forward(images));
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>Splits raw output into boxes (N x 4, input pixels) and class logits (N x C), as the task has them.</summary>
    public (Tensor? Boxes, Tensor? Logits) Decode(Tensor output) => (Task, cells is not null) switch
    {
        (ModelTask.ClassifyLargest, _) => (null, output),
        (ModelTask.LocateLargest, false) => (output, null),
        (ModelTask.LocateLargest, true) => (PooledCells(output).Boxes, null),
        (_, false) => (sigmoid(output[.., ..4]) * InputSize, output[.., 4..]),
        _ => PooledCells(output),
    };

    /// <summary>Rows (and columns) of the cells head's grid.</summary>
    private int CellGrid => InputSize / CellVoteHead.Stride;

    private (Tensor Boxes, Tensor Logits) PooledCells(Tensor output)
    {
        var pooled = CellVoteHead.Pool(output, CellGrid, CellGrid);
        return (pooled[.., ..4] * InputSize, pooled[.., 4..]);
    }

    public Tensor Loss(Tensor output, Batch batch)
    {
        using var scope = NewDisposeScope();
        var classWeight = Spec.LargestHead.ClassLossWeight;
        if (cells is not null)
        {
            var (boxLoss, voteLoss, classLoss) = CellVoteHead.Losses(output, batch.LargestBoxes(output.device),
                Task.PredictsClass() ? batch.LargestClasses(output.device) : null, InputSize, CellGrid, CellGrid);
            var total = boxLoss + voteLoss;
            return (classLoss is null ? total : total + classWeight * classLoss).MoveToOuterDisposeScope();
        }
        var (boxes, logits) = Decode(output);
        Tensor? loss = null;
        if (boxes is not null) loss = nn.functional.l1_loss(boxes, batch.LargestBoxes(output.device));
        if (logits is not null)
        {
            var ce = nn.functional.cross_entropy(logits, batch.LargestClasses(output.device));
            loss = loss is null ? ce : loss + classWeight * ce;
        }
        return loss!.MoveToOuterDisposeScope();
    }

    public IMetrics NewMetrics() => new LargestObjectMetrics(this);

    /// <summary>
    /// One detection per image, in input pixels: the predicted class with its probability, and the
    /// box. A class-only model's box is the whole image; a box-only model's detection is
    /// unclassified with score 1.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<Detection>> PredictBatch(Tensor images)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (boxes, logits) = Decode(forward(images).to(float32)); // a bf16 network's answer is decoded in fp32
        var n = (int)images.shape[0];
        var boxValues = boxes?.cpu().data<float>().ToArray();
        long[]? classes = null;
        float[]? scores = null;
        if (logits is not null)
        {
            var (top, index) = softmax(logits, 1).max(1);
            classes = index.cpu().data<long>().ToArray();
            scores = top.cpu().data<float>().ToArray();
        }
        var whole = new Box(0, 0, InputSize, InputSize);
        return Enumerable.Range(0, n).Select(i => (IReadOnlyList<Detection>)[Detection.Of(
            classes is null ? -1 : (int)classes[i],
            scores?[i] ?? 1f,
            boxValues is null ? whole : new Box(boxValues[4 * i], boxValues[4 * i + 1], boxValues[4 * i + 2], boxValues[4 * i + 3]),
            Spec.Classes)]).ToList();
    }
}
