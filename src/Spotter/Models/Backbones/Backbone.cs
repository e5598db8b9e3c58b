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

    /// <summary>
    /// Whether the network computes with its feature maps stored channels-last (NHWC) instead of
    /// torch's NCHW: the same numbers in another memory order, which selects other oneDNN kernels.
    /// Off by default; training turns it on where those kernels are the sound ones
    /// (<see cref="Runtime.TrainingKernels"/>). Not saved with the model.
    /// </summary>
    public bool ChannelsLast { get; set; }

    /// <summary>Sets <see cref="ChannelsLast"/> on every backbone inside a model.</summary>
    public static void SetChannelsLast(nn.Module model, bool on)
    {
        foreach (var backbone in model.modules().OfType<Backbone>()) backbone.ChannelsLast = on;
    }

    /// <summary>
    /// The images in the order the network computes in. TorchSharp's contiguous() takes no memory
    /// format, so a channels-last copy is made by permuting: libtorch recognises its strides,
    /// and every convolution, norm and element-wise op after it keeps them.
    /// </summary>
    protected Tensor InComputeLayout(Tensor images) => ChannelsLast ? ToChannelsLast(images) : images;

    /// <summary>
    /// A convolution of a map in either order. A 1x1 convolution of a channels-last map is computed
    /// in NCHW and its result put back in channels-last: on AMD Zen 5 oneDNN's AVX-512
    /// channels-last 1x1 kernel returns wrong numbers for small maps (README, "AMD Zen 5").
    /// </summary>
    public static Tensor Convolve(TorchSharp.Modules.Conv2d conv, Tensor x)
    {
        if (conv.kernel_size[0] != 1 || conv.kernel_size[1] != 1 || x.is_contiguous()) return conv.forward(x);
        return ToChannelsLast(conv.forward(x.contiguous()));
    }

    private static Tensor ToChannelsLast(Tensor map) => map.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);

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
