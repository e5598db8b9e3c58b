using Spotter.Boxes;
using Spotter.Data.Loading;
using Spotter.Models.Backbones;
using Spotter.Training;
using Spotter.Visualization;
using TorchSharp;
using static TorchSharp.torch;

namespace Spotter.Models.Largest;

/// <summary>
/// A pretrained body with a head for one of the largest-object tasks. Boxes are in the pixels of
/// the Size x Size input. With the lessons' heads (<c>--box-head lesson</c>) the box-only head
/// regresses them directly (L1 loss, lesson 8) and the joint head squashes its box activations
/// with a sigmoid times Size and adds a weighted cross-entropy (lesson 9: L1 + 20 x CE). With the
/// default <see cref="CellVoteHead"/> the same two losses are applied per responsible cell, plus
/// the vote's loss. classify-largest always uses the lessons' pooled classifier head.
/// </summary>
public sealed class LargestObjectModel : nn.Module<Tensor, Tensor>, IImageModel
{
    private readonly Backbone body;
    private readonly nn.Module<Tensor, Tensor>? head;      // the lessons' heads, on the last map
    private readonly CellVoteHead? cells;                   // or the per-cell head, on the S/8-S/32 maps
    private readonly IReadOnlyList<IReadOnlyList<nn.Module>> _groups;

    public LargestObjectModel(Backbone backbone, LargestObjectTask task, int classCount, int inputSize, double classLossWeight = 20, double dropoutScale = 1,
        string boxHead = LargestObjectHeads.Cells)
        : base(nameof(LargestObjectModel))
    {
        if (inputSize % 32 != 0) throw new SpotterException($"--size must be a multiple of 32 (the body's stride), got {inputSize}");
        body = backbone;
        Task = task;
        ClassCount = classCount;
        InputSize = inputSize;
        ClassLossWeight = classLossWeight;
        DropoutScale = dropoutScale;
        BoxHead = task.PredictsBox() ? LargestObjectHeads.CheckBoxHead(boxHead) : LargestObjectHeads.Lesson;
        if (BoxHead == LargestObjectHeads.Cells)
            cells = new CellVoteHead(backbone.StageChannels, task == LargestObjectTask.Largest ? classCount : 0, dropoutScale);
        else
            head = LargestObjectHeads.Create(task, backbone.OutputChannels, inputSize / 32, classCount, dropoutScale);
        RegisterComponents();
        _groups = [.. backbone.LayerGroups, [(nn.Module?)head ?? cells!]];
    }

    public LargestObjectTask Task { get; }
    public int ClassCount { get; }
    public int InputSize { get; }
    public double ClassLossWeight { get; }
    public double DropoutScale { get; }
    /// <summary>"lesson" (flatten -> linear) or "cells" (<see cref="CellVoteHead"/>).</summary>
    public string BoxHead { get; }
    public Backbone Body => body;

    public nn.Module<Tensor, Tensor> Module => this;

    public IReadOnlyList<IReadOnlyList<nn.Module>> LayerGroups => _groups;

    public override Tensor forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        var output = cells is not null ? cells.forward(body.Stages(images)) : head!.forward(body.forward(images));
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>Splits raw output into boxes (N x 4, input pixels) and class logits (N x C), as the task has them.</summary>
    public (Tensor? Boxes, Tensor? Logits) Decode(Tensor output) => (Task, BoxHead) switch
    {
        (LargestObjectTask.ClassifyLargest, _) => (null, output),
        (LargestObjectTask.LocateLargest, LargestObjectHeads.Lesson) => (output, null),
        (LargestObjectTask.LocateLargest, _) => (PooledCells(output).Boxes, null),
        (_, LargestObjectHeads.Lesson) => (sigmoid(output[.., ..4]) * InputSize, output[.., 4..]),
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
        if (cells is not null)
        {
            var (boxLoss, voteLoss, classLoss) = CellVoteHead.Losses(output, batch.LargestBoxes(output.device),
                Task.PredictsClass() ? batch.LargestClasses(output.device) : null, InputSize, CellGrid, CellGrid);
            var total = boxLoss + voteLoss;
            return (classLoss is null ? total : total + ClassLossWeight * classLoss).MoveToOuterDisposeScope();
        }
        var (boxes, logits) = Decode(output);
        Tensor? loss = null;
        if (boxes is not null) loss = nn.functional.l1_loss(boxes, batch.LargestBoxes(output.device));
        if (logits is not null)
        {
            var ce = nn.functional.cross_entropy(logits, batch.LargestClasses(output.device));
            loss = loss is null ? ce : loss + ClassLossWeight * ce;
        }
        return loss!.MoveToOuterDisposeScope();
    }

    public IMetrics NewMetrics() => new LargestObjectMetrics(this);

    /// <summary>One box per image; a class-only model's box is the whole image, a box-only model's class is -1.</summary>
    public IReadOnlyList<IReadOnlyList<PredictedBox>> PredictBatch(Tensor images) =>
        Predict(images).Select(p => (IReadOnlyList<PredictedBox>)[new PredictedBox(p.ClassIndex, p.Box ?? new Box(0, 0, InputSize, InputSize), p.Score)]).ToList();

    public ModelInfo Describe(string backbone, IReadOnlyList<string> classes) => new()
    {
        Task = Task.Name(),
        Backbone = backbone,
        Classes = classes,
        InputSize = InputSize,
        ClassLossWeight = ClassLossWeight,
        HeadDropout = DropoutScale,
        BoxHead = BoxHead,
    };

    /// <summary>Per image: predicted class (or -1), its probability, and the box in input pixels (or null).</summary>
    public IReadOnlyList<(int ClassIndex, float Score, Box? Box)> Predict(Tensor images)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (boxes, logits) = Decode(forward(images));
        var n = (int)images.shape[0];
        float[]? boxValues = boxes?.cpu().data<float>().ToArray();
        long[]? classes = null;
        float[]? scores = null;
        if (logits is not null)
        {
            var (top, index) = softmax(logits, 1).max(1);
            classes = index.cpu().data<long>().ToArray();
            scores = top.cpu().data<float>().ToArray();
        }
        return Enumerable.Range(0, n).Select(i => (
            classes is null ? -1 : (int)classes[i],
            scores?[i] ?? 1f,
            boxValues is null ? (Box?)null : new Box(boxValues[4 * i], boxValues[4 * i + 1], boxValues[4 * i + 2], boxValues[4 * i + 3]))).ToList();
    }
}
