using Spotter.Boxes;
using Spotter.Data.Loading;
using Spotter.Models.Backbones;
using Spotter.Training;
using Spotter.Visualization;
using TorchSharp;
using static TorchSharp.torch;

namespace Spotter.Models.Largest;

/// <summary>
/// A pretrained body with a lesson-8/9 head for one of the largest-object tasks. Boxes are in
/// the pixels of the Size x Size input: the box-only head regresses them directly (L1 loss, as
/// in lesson 8); the joint head squashes its box activations with a sigmoid times Size and adds
/// a weighted cross-entropy (lesson 9: L1 + 20 x CE).
/// </summary>
public sealed class LargestObjectModel : nn.Module<Tensor, Tensor>, IImageModel
{
    private readonly Backbone body;
    private readonly nn.Module<Tensor, Tensor> head;
    private readonly IReadOnlyList<IReadOnlyList<nn.Module>> _groups;

    public LargestObjectModel(Backbone backbone, LargestObjectTask task, int classCount, int inputSize, double classLossWeight = 20, double dropoutScale = 1)
        : base(nameof(LargestObjectModel))
    {
        if (inputSize % 32 != 0) throw new SpotterException($"--size must be a multiple of 32 (the body's stride), got {inputSize}");
        body = backbone;
        Task = task;
        ClassCount = classCount;
        InputSize = inputSize;
        ClassLossWeight = classLossWeight;
        DropoutScale = dropoutScale;
        head = LargestObjectHeads.Create(task, backbone.OutputChannels, inputSize / 32, classCount, dropoutScale);
        RegisterComponents();
        _groups = [.. backbone.LayerGroups, [head]];
    }

    public LargestObjectTask Task { get; }
    public int ClassCount { get; }
    public int InputSize { get; }
    public double ClassLossWeight { get; }
    public double DropoutScale { get; }
    public Backbone Body => body;

    public nn.Module<Tensor, Tensor> Module => this;

    public IReadOnlyList<IReadOnlyList<nn.Module>> LayerGroups => _groups;

    public override Tensor forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        return head.forward(body.forward(images)).MoveToOuterDisposeScope();
    }

    /// <summary>Splits raw output into boxes (N x 4, input pixels) and class logits (N x C), as the task has them.</summary>
    public (Tensor? Boxes, Tensor? Logits) Decode(Tensor output) => Task switch
    {
        LargestObjectTask.ClassifyLargest => (null, output),
        LargestObjectTask.LocateLargest => (output, null),
        _ => (sigmoid(output[.., ..4]) * InputSize, output[.., 4..]),
    };

    public Tensor Loss(Tensor output, Batch batch)
    {
        using var scope = NewDisposeScope();
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
