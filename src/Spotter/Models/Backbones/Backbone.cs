using TorchSharp;
using static TorchSharp.torch;

namespace Spotter.Models.Backbones;

/// <summary>
/// An ImageNet-style convolutional body with its classifier cut off. It takes RGB images in
/// 0..1 (N x 3 x H x W) and normalises them itself, so every backbone is fed the same way.
/// <see cref="nn.Module{T, TResult}.forward"/> returns the last feature map (stride 32).
/// </summary>
public abstract class Backbone : nn.Module<Tensor, Tensor>
{
    protected Backbone(string name) : base(name) { }

    /// <summary>Channels of each stage's output.</summary>
    public abstract IReadOnlyList<int> StageChannels { get; }

    /// <summary>Channels of the last feature map.</summary>
    public int OutputChannels => StageChannels[^1];

    /// <summary>The four stage outputs (strides 4, 8, 16, 32), for heads that use several maps.</summary>
    public abstract Tensor[] Stages(Tensor images);

    /// <summary>
    /// The body split into layer groups, early layers first (fastai's split: stem + stages 1-2,
    /// then stages 3-4). Freezing and differential learning rates work per group; a model's
    /// head is the group after these.
    /// </summary>
    public abstract IReadOnlyList<IReadOnlyList<nn.Module>> LayerGroups { get; }

    /// <summary>Global-average-pooled features of the last map (N x OutputChannels).</summary>
    public Tensor PooledFeatures(Tensor images)
    {
        using var scope = NewDisposeScope();
        var map = forward(images);
        return nn.functional.adaptive_avg_pool2d(map, 1).flatten(1).MoveToOuterDisposeScope();
    }
}
