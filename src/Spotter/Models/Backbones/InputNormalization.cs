using TorchSharp;
using static TorchSharp.torch;

namespace Spotter.Models.Backbones;

/// <summary>
/// Turns RGB 0..1 images into what a backbone's weights were trained on. Its constants are
/// buffers, so they travel with the model's weights. They are looked up at every forward, never
/// kept in fields: moving the module to another device or dtype replaces the buffer tensors.
/// </summary>
public sealed class InputNormalization : nn.Module<Tensor, Tensor>
{
    /// <summary>torchvision's ImageNet statistics (RGB, 0..1 scale).</summary>
    public static readonly float[] ImageNetMean = [0.485f, 0.456f, 0.406f];
    public static readonly float[] ImageNetStd = [0.229f, 0.224f, 0.225f];

    private readonly bool _toBgr;

    private InputNormalization(Tensor mean, Tensor scale, bool toBgr) : base(nameof(InputNormalization))
    {
        _toBgr = toBgr;
        register_buffer("mean", mean);
        register_buffer("scale", scale);
    }

    private Tensor Mean => get_buffer("mean")!;
    private Tensor Scale => get_buffer("scale")!;

    /// <summary>(x - mean) / std per channel, as torchvision models expect.</summary>
    public static InputNormalization MeanStd(float[] mean, float[] std) =>
        new(tensor(mean).reshape(1, 3, 1, 1), (1 / tensor(std)).reshape(1, 3, 1, 1), toBgr: false);

    /// <summary>
    /// CNTK/ML.NET style: BGR channel order, 0..255 scale, minus a per-pixel mean image (1x3xHxW,
    /// BGR). For inputs of another size the mean image is resized bilinearly to match: it is a
    /// smooth average of ImageNet photos, so resizing keeps its meaning.
    /// </summary>
    public static InputNormalization MeanImageBgr255(Tensor meanImage) =>
        new(meanImage, tensor(255f), toBgr: true);

    public override Tensor forward(Tensor rgb01)
    {
        using var scope = NewDisposeScope();
        var x = _toBgr ? rgb01.flip(1) : rgb01;
        if (_toBgr)
        {
            var mean = MeanFor(x.shape[2], x.shape[3]);
            return (x * Scale - mean).MoveToOuterDisposeScope();
        }
        return ((x - Mean) * Scale).MoveToOuterDisposeScope();
    }

    /// <summary>For export: whether channels are flipped to BGR, and the mean and scale at this input size, so that the output is (x - mean) * scale (BGR: x * scale - mean).</summary>
    internal (bool ToBgr, Tensor Mean, Tensor Scale) ConstantsFor(long height, long width) =>
        (_toBgr, _toBgr ? MeanFor(height, width) : Mean, Scale);

    private Tensor MeanFor(long height, long width)
    {
        var mean = Mean;
        if (mean.shape[2] == height && mean.shape[3] == width) return mean;
        return nn.functional.interpolate(mean, [height, width], mode: InterpolationMode.Bilinear, align_corners: false);
    }
}
