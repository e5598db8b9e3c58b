using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Spotter.Models.Backbones;

/// <summary>
/// A ResNet block, basic (two 3x3 convs) or bottleneck (1x1, 3x3, 1x1 with 4x expansion), with a
/// projection shortcut (1x1 conv + BN) when the shape changes. Field names are the state-dict
/// keys torchvision uses, so its weight files load as they are.
/// </summary>
public sealed class ResidualBlock : nn.Module<Tensor, Tensor>
{
    private readonly List<(Conv2d Conv, BatchNorm2d Norm)> _path = [];
    private readonly (Conv2d Conv, BatchNorm2d Norm)? _shortcutPair;

    public ResidualBlock(int inChannels, int width, int stride, bool bottleneck) : base(nameof(ResidualBlock))
    {
        var outChannels = width * (bottleneck ? 4 : 1);
        if (bottleneck)
        {
            Add(1, nn.Conv2d(inChannels, width, 1, bias: false), nn.BatchNorm2d(width));
            Add(2, nn.Conv2d(width, width, 3, stride: stride, padding: 1, bias: false), nn.BatchNorm2d(width));
            Add(3, nn.Conv2d(width, outChannels, 1, bias: false), nn.BatchNorm2d(outChannels));
        }
        else
        {
            Add(1, nn.Conv2d(inChannels, width, 3, stride: stride, padding: 1, bias: false), nn.BatchNorm2d(width));
            Add(2, nn.Conv2d(width, width, 3, padding: 1, bias: false), nn.BatchNorm2d(width));
        }
        if (stride != 1 || inChannels != outChannels)
        {
            _shortcutPair = (nn.Conv2d(inChannels, outChannels, 1, stride: stride, bias: false), nn.BatchNorm2d(outChannels));
            register_module("downsample", nn.Sequential(_shortcutPair.Value.Conv, _shortcutPair.Value.Norm)); // torchvision's keys: downsample.0 and .1
        }
    }

    /// <summary>The block's conv/BN pairs in order: the shortcut's first when present, then the path.</summary>
    public IEnumerable<(Conv2d Conv, BatchNorm2d Norm)> ConvNormPairs(bool shortcutFirst)
    {
        if (shortcutFirst && _shortcutPair is { } first) yield return first;
        foreach (var pair in _path) yield return pair;
        if (!shortcutFirst && _shortcutPair is { } last) yield return last;
    }

    /// <summary>For export: the main path's conv/BN pairs (ReLU between them) and the projection shortcut, if any.</summary>
    internal (IReadOnlyList<(Conv2d Conv, BatchNorm2d Norm)> Path, (Conv2d Conv, BatchNorm2d Norm)? Shortcut) Parts =>
        (_path, _shortcutPair);

    private void Add(int index, Conv2d conv, BatchNorm2d norm)
    {
        _path.Add((conv, norm));
        register_module($"conv{index}", conv);
        register_module($"bn{index}", norm);
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input;
        for (var i = 0; i < _path.Count; i++)
        {
            x = _path[i].Norm.forward(Backbone.Convolve(_path[i].Conv, x));
            if (i < _path.Count - 1) x = nn.functional.relu(x);
        }
        var identity = _shortcutPair is var (conv, norm) ? norm.forward(Backbone.Convolve(conv, input)) : input;
        return nn.functional.relu(x.add_(identity)).MoveToOuterDisposeScope();
    }
}
