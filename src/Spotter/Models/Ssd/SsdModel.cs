using Spotter.Boxes;
using Spotter.Data.Loading;
using Spotter.Models.Backbones;
using Spotter.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Spotter.Models.Ssd;

/// <summary>
/// An SSD-style detector (lesson 9, second half), composed from parts it is given: a pretrained
/// body, the body stages it predicts from, optionally a neck over them (<see cref="FeaturePyramid"/>), extra stride-2 blocks after the last stage (each one
/// more level), one <see cref="SsdHead"/> per level, anchors laid over the levels' real map sizes,
/// the loss and the decoder. The recipe that picks the parts lives in <see cref="ModelFactory"/>.
/// Output: N x A x (C + 4), class logits then box activations, in anchor order.
/// </summary>
public sealed class SsdModel : nn.Module<Tensor, Tensor>, IImageModel
{
    // Field names are the state-dict names of saved models: body.*, neck.*, extras.*, heads.*.
    private readonly Backbone body;
    private readonly FeaturePyramid? neck;
    private readonly ModuleList<nn.Module<Tensor, Tensor>> extras;
    private readonly ModuleList<SsdHead> heads;
    private readonly IReadOnlyList<int> _bodyLevels;
    private readonly AnchorSet _anchors;
    private readonly DetectionLoss _loss;
    private readonly DetectionDecoder _decoder;
    private readonly IReadOnlyList<IReadOnlyList<nn.Module>> _groups;

    /// <param name="bodyLevels">Indices of the body's stages (0-3, strides 4-32) that are levels, finest first; the extras' outputs follow.</param>
    /// <param name="neck">Null, or the pyramid that the body levels pass through before their heads (the extras still read the body's last stage).</param>
    /// <param name="heads">One head per level (body levels, then extras).</param>
    public SsdModel(ModelSpec spec, Backbone body, IReadOnlyList<int> bodyLevels, FeaturePyramid? neck, IReadOnlyList<nn.Module<Tensor, Tensor>> extras,
        IReadOnlyList<SsdHead> heads, AnchorGenerator anchorGenerator, DetectionLoss loss, DetectionDecoder decoder) : base(nameof(SsdModel))
    {
        if (heads.Count != bodyLevels.Count + extras.Count) throw new ArgumentException("one head per level is needed", nameof(heads));
        Spec = spec;
        this.body = body;
        this.neck = neck;
        _bodyLevels = bodyLevels;
        this.extras = new ModuleList<nn.Module<Tensor, Tensor>>(extras.ToArray());
        this.heads = new ModuleList<SsdHead>(heads.ToArray());
        RegisterComponents();
        Grids = LevelSizes(spec.InputSize);
        _anchors = anchorGenerator.Generate(Grids, spec.InputSize, spec.InputSize);
        _loss = loss;
        _decoder = decoder;
        _groups = [.. body.LayerGroups, neck is null ? [this.extras, this.heads] : [neck, this.extras, this.heads]];
    }

    public ModelSpec Spec { get; }
    public int InputSize => Spec.InputSize;
    public int ClassCount => Spec.Classes.Count;

    /// <summary>The levels' map sizes at the model's input size, as the convolutions make them.</summary>
    public IReadOnlyList<(int Rows, int Columns)> Grids { get; }

    /// <summary>Anchors in all (the second dimension of the output).</summary>
    public long AnchorCount => _anchors.Count;

    /// <summary>The anchor boxes in input pixels (A x 4); owned by the model, do not dispose.</summary>
    public Tensor AnchorBoxes => _anchors.Boxes;

    public nn.Module<Tensor, Tensor> Module => this;
    public IReadOnlyList<IReadOnlyList<nn.Module>> LayerGroups => _groups;

    public override Tensor forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        var levels = Levels(images);
        var logits = new List<Tensor>();
        var deltas = new List<Tensor>();
        for (var i = 0; i < levels.Count; i++)
        {
            var (l, d) = heads[i].forward(levels[i]);
            logits.Add(l);
            deltas.Add(d);
        }
        var output = cat([cat(logits, 1), cat(deltas, 1)], 2);
        if (output.shape[1] != _anchors.Count)
            throw new SpotterException($"this detector takes {InputSize}x{InputSize} images; it was given {images.shape[2]}x{images.shape[3]}");
        return output.MoveToOuterDisposeScope();
    }

    public Tensor Loss(Tensor output, Batch batch)
    {
        using var scope = NewDisposeScope();
        using var anchors = _anchors.To(output.device);
        return _loss.Compute(output[.., .., ..ClassCount], output[.., .., ClassCount..], anchors, batch).MoveToOuterDisposeScope();
    }

    public IMetrics NewMetrics() => new DetectionMetrics(this);

    /// <summary>Per image: detections in input pixels, best first, after the score threshold and class-aware NMS.</summary>
    public IReadOnlyList<IReadOnlyList<Detection>> Decode(Tensor output, double? scoreThreshold = null) => _decoder.Decode(output, _anchors, scoreThreshold);

    /// <summary>Every anchor's decoded box, N x A x 4 in input pixels (what NMS chooses from).</summary>
    public Tensor DecodeBoxes(Tensor output) => _decoder.Boxes(output, _anchors);

    public IReadOnlyList<IReadOnlyList<Detection>> PredictBatch(Tensor images)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return Decode(forward(images).to(float32)); // a bf16 network's answer is decoded in fp32
    }

    /// <summary>For export: the parts in forward order, and the anchors (input pixels).</summary>
    internal (Backbone Body, IReadOnlyList<int> BodyLevels, FeaturePyramid? Neck, IReadOnlyList<nn.Module<Tensor, Tensor>> Extras, IReadOnlyList<SsdHead> Heads, AnchorSet Anchors) Parts =>
        (body, _bodyLevels, neck, extras.ToList(), heads.ToList(), _anchors);

    private List<Tensor> Levels(Tensor images)
    {
        var stages = body.Stages(images);
        var bodyLevels = _bodyLevels.Select(i => stages[i]).ToArray();
        var levels = (neck is null ? bodyLevels : neck.forward(bodyLevels)).ToList();
        var x = stages[^1];
        foreach (var extra in extras)
        {
            x = extra.forward(x);
            levels.Add(x);
        }
        return levels;
    }

    // The anchors follow the maps the convolutions really make (e.g. 7 -> 4 for a stride-2 block
    // at 224), so they are read off one forward pass of a blank image rather than computed.
    private IReadOnlyList<(int Rows, int Columns)> LevelSizes(int inputSize)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var training = this.training;
        eval(); // batch-norm statistics must not see the blank image
        var device = body.parameters().First().device;
        var sizes = Levels(zeros(1, 3, inputSize, inputSize, device: device)).Select(l => ((int)l.shape[2], (int)l.shape[3])).ToList();
        train(training);
        return sizes;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _anchors.Dispose();
        base.Dispose(disposing);
    }
}
