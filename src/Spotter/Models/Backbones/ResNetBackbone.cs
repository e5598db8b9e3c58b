using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Spotter.Models.Backbones;

/// <summary>
/// A ResNet body (torchvision layout and parameter names: conv1, bn1, layer1..layer4) preceded by
/// its input normalisation and without pooling or classifier.
/// </summary>
public sealed class ResNetBackbone : Backbone
{
    private readonly InputNormalization normalize;
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly MaxPool2d maxpool;
    private readonly Sequential layer1, layer2, layer3, layer4;
    private readonly IReadOnlyList<int> _stageChannels;
    private readonly IReadOnlyList<IReadOnlyList<nn.Module>> _layerGroups;

    public ResNetBackbone(ResNetSpec spec, InputNormalization normalization) : base(nameof(ResNetBackbone))
    {
        Spec = spec;
        normalize = normalization;
        var stem = spec.Widths[0];
        conv1 = nn.Conv2d(3, stem, 7, stride: 2, padding: 3, bias: false);
        bn1 = nn.BatchNorm2d(stem);
        maxpool = nn.MaxPool2d(3, stride: 2, padding: 1);
        var inChannels = stem;
        var layers = new Sequential[4];
        for (var s = 0; s < 4; s++)
        {
            var blocks = new List<nn.Module<Tensor, Tensor>>();
            for (var b = 0; b < spec.BlocksPerStage[s]; b++)
            {
                var stride = s > 0 && b == 0 ? 2 : 1;
                blocks.Add(new ResidualBlock(inChannels, spec.Widths[s], stride, spec.Bottleneck));
                inChannels = spec.StageChannels(s);
            }
            layers[s] = nn.Sequential(blocks);
        }
        (layer1, layer2, layer3, layer4) = (layers[0], layers[1], layers[2], layers[3]);
        _stageChannels = Enumerable.Range(0, 4).Select(spec.StageChannels).ToArray();
        RegisterComponents();
        _layerGroups = [[conv1, bn1, layer1, layer2], [layer3, layer4]];
        InitializeWeights();
    }

    public ResNetSpec Spec { get; }

    public override IReadOnlyList<int> StageChannels => _stageChannels;

    public override IReadOnlyList<IReadOnlyList<nn.Module>> LayerGroups => _layerGroups;

    /// <summary>Every conv/BN pair in CNTK's export order (stem, then per block: shortcut, path).</summary>
    public IEnumerable<(Conv2d Conv, BatchNorm2d Norm)> ConvNormPairsInExportOrder()
    {
        yield return (conv1, bn1);
        foreach (var layer in new[] { layer1, layer2, layer3, layer4 })
            foreach (var block in layer.children().Cast<ResidualBlock>())
                foreach (var pair in block.ConvNormPairs(shortcutFirst: true))
                    yield return pair;
    }

    public override Tensor forward(Tensor images) => Stages(images)[^1];

    /// <summary>For export: the normalisation, the stem (conv, BN, max-pool) and the four stages' blocks.</summary>
    internal (InputNormalization Normalize, Conv2d Conv1, BatchNorm2d Bn1, MaxPool2d MaxPool, IReadOnlyList<IReadOnlyList<ResidualBlock>> Stages) Parts =>
        (normalize, conv1, bn1, maxpool, new[] { layer1, layer2, layer3, layer4 }.Select(l => (IReadOnlyList<ResidualBlock>)l.children().Cast<ResidualBlock>().ToList()).ToList());

    public override Tensor[] Stages(Tensor images)
    {
        using var scope = NewDisposeScope();
        var normalized = normalize.forward(images);
        // A bf16 network keeps its input normalisation in fp32 (a bf16 mean image would round the
        // pixels to whole units of 0..255) and starts computing in bf16 after it.
        if (normalized.dtype != conv1.weight!.dtype) normalized = normalized.to(conv1.weight.dtype);
        normalized = InComputeLayout(normalized);
        var x = maxpool.forward(nn.functional.relu(bn1.forward(conv1.forward(normalized))));
        var c2 = layer1.forward(x);
        var c3 = layer2.forward(c2);
        var c4 = layer3.forward(c3);
        var c5 = layer4.forward(c4);
        return [c2.MoveToOuterDisposeScope(), c3.MoveToOuterDisposeScope(), c4.MoveToOuterDisposeScope(), c5.MoveToOuterDisposeScope()];
    }

    // torchvision's initialisation: He-normal (fan-out) convs, BN scale 1 and shift 0.
    private void InitializeWeights()
    {
        using var _ = no_grad();
        foreach (var module in modules())
        {
            if (module is Conv2d conv) nn.init.kaiming_normal_(conv.weight, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
            if (module is BatchNorm2d norm)
            {
                nn.init.ones_(norm.weight);
                nn.init.zeros_(norm.bias);
            }
        }
    }
}
