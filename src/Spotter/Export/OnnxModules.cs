using Spotter.Models.Backbones;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Spotter.Export;

/// <summary>
/// Writes TorchSharp modules in eval mode as ONNX operators: convolutions with the BatchNorm that
/// follows them folded in (exact in eval mode up to float rounding), other BatchNorms as a
/// per-channel multiply and add, linear layers as Gemm, dropout as nothing, and Spotter's
/// backbones (normalisation, stem, residual blocks). Each method takes and returns value names.
/// </summary>
public static class OnnxModules
{
    /// <summary>A convolution, with the BatchNorm right after it folded into its weights and bias.</summary>
    public static string Conv(OnnxGraph g, string x, Conv2d conv, BatchNorm? norm = null)
    {
        using var scope = NewDisposeScope();
        var weight = conv.weight!.detach().to(float64);
        var bias = conv.bias is { } b ? b.detach().to(float64) : zeros(conv.out_channels, dtype: float64);
        if (norm is not null)
        {
            var (scale, shift) = Affine(norm);
            weight = weight * scale.reshape(-1, 1, 1, 1);
            bias = bias * scale + shift;
        }
        var w = g.Constant("conv_w", Floats(weight), weight.shape);
        var bb = g.Constant("conv_b", Floats(bias), bias.shape);
        var padding = conv.padding ?? throw new NotSupportedException("ONNX export: a convolution without explicit padding");
        return g.Node("Conv", [x, w, bb],
            ("kernel_shape", conv.kernel_size), ("strides", conv.stride), ("pads", (long[])[padding[0], padding[1], padding[0], padding[1]]),
            ("dilations", conv.dilation), ("group", conv.groups));
    }

    /// <summary>A BatchNorm in eval mode on an N x C x ... tensor of the given rank: x * scale + shift per channel.</summary>
    public static string Norm(OnnxGraph g, string x, BatchNorm norm, int rank)
    {
        using var scope = NewDisposeScope();
        var (scale, shift) = Affine(norm);
        var shape = new long[rank];
        Array.Fill(shape, 1);
        shape[1] = scale.shape[0];
        var s = g.Constant("bn_scale", Floats(scale), shape);
        var t = g.Constant("bn_shift", Floats(shift), shape);
        return g.Node("Add", [g.Node("Mul", [x, s]), t]);
    }

    public static string Linear(OnnxGraph g, string x, Linear linear)
    {
        using var scope = NewDisposeScope();
        var w = g.Constant("fc_w", Floats(linear.weight!), linear.weight!.shape);
        var b = linear.bias is { } bias ? g.Constant("fc_b", Floats(bias), bias.shape) : g.Constant("fc_b", new float[linear.out_features], linear.out_features);
        return g.Node("Gemm", [x, w, b], ("transB", 1L));
    }

    public static string Relu(OnnxGraph g, string x) => g.Node("Relu", [x]);

    /// <summary>
    /// A Sequential of the kinds Spotter's heads use, in eval mode: convs (each with a BatchNorm
    /// that follows it directly folded in), ReLU, BatchNorm, dropout (nothing), flatten, linear.
    /// </summary>
    public static string Sequential(OnnxGraph g, string x, Sequential sequential, int rank)
    {
        var children = sequential.children().ToList();
        for (var i = 0; i < children.Count; i++)
        {
            switch (children[i])
            {
                case Conv2d conv when i + 1 < children.Count && children[i + 1] is BatchNorm2d next:
                    x = Conv(g, x, conv, next);
                    i++;
                    break;
                case Conv2d conv:
                    x = Conv(g, x, conv);
                    break;
                case ReLU:
                    x = Relu(g, x);
                    break;
                case BatchNorm norm:
                    x = Norm(g, x, norm, rank);
                    break;
                case Dropout:
                    break;
                case Flatten:
                    x = g.Node("Flatten", [x], ("axis", 1L));
                    rank = 2;
                    break;
                case Linear linear:
                    x = Linear(g, x, linear);
                    break;
                default:
                    x = ExportCustom(g, x, children[i], ref rank);
                    break;
            }
        }
        return x;
    }

    /// <summary>The four stage outputs (strides 4, 8, 16, 32) of a ResNet backbone, from RGB 0..1 images.</summary>
    public static string[] Backbone(OnnxGraph g, string images, Backbone backbone, int inputSize)
    {
        if (backbone is not ResNetBackbone resnet) throw new NotSupportedException($"ONNX export of a {backbone.GetType().Name}");
        var (normalize, conv1, bn1, maxpool, stages) = resnet.Parts;
        var x = Normalization(g, images, normalize, inputSize);
        x = Relu(g, Conv(g, x, conv1, bn1));
        x = g.Node("MaxPool", [x], ("kernel_shape", maxpool.kernel_size), ("strides", maxpool.stride ?? maxpool.kernel_size),
            ("pads", Pads(maxpool.padding)), ("ceil_mode", maxpool.ceil_mode ? 1L : 0L));
        var outputs = new string[4];
        for (var s = 0; s < 4; s++)
        {
            foreach (var block in stages[s]) x = Residual(g, x, block);
            outputs[s] = x;
        }
        return outputs;
    }

    private static string Residual(OnnxGraph g, string input, ResidualBlock block)
    {
        var (path, shortcut) = block.Parts;
        var x = input;
        for (var i = 0; i < path.Count; i++)
        {
            x = Conv(g, x, path[i].Conv, path[i].Norm);
            if (i < path.Count - 1) x = Relu(g, x);
        }
        var identity = shortcut is { } s ? Conv(g, input, s.Conv, s.Norm) : input;
        return Relu(g, g.Node("Add", [x, identity]));
    }

    private static string Normalization(OnnxGraph g, string images, InputNormalization normalization, int inputSize)
    {
        using var scope = NewDisposeScope();
        var (toBgr, mean, scale) = normalization.ConstantsFor(inputSize, inputSize);
        var m = g.Constant("mean", Floats(mean), mean.shape);
        var s = g.Constant("scale", Floats(scale), scale.shape);
        if (!toBgr) return g.Node("Mul", [g.Node("Sub", [images, m]), s]);
        var bgr = g.Node("Gather", [images, g.Int64s("bgr", 2, 1, 0)], ("axis", 1L));
        return g.Node("Sub", [g.Node("Mul", [bgr, s]), m]);
    }

    private static string ExportCustom(OnnxGraph g, string x, nn.Module module, ref int rank)
    {
        // The lessons' classifier head starts with concat(max-pool, avg-pool) over the map.
        if (module.GetType().Name == "ConcatPool")
        {
            rank = 2;
            var max = g.Node("GlobalMaxPool", [x]);
            var avg = g.Node("GlobalAveragePool", [x]);
            return g.Node("Flatten", [g.Node("Concat", [max, avg], ("axis", 1L))], ("axis", 1L));
        }
        throw new NotSupportedException($"ONNX export of a {module.GetType().Name}");
    }

    /// <summary>BatchNorm in eval mode as per-channel scale and shift (float64).</summary>
    private static (Tensor Scale, Tensor Shift) Affine(BatchNorm norm)
    {
        var std = (norm.running_var!.detach().to(float64) + norm.eps).sqrt();
        var gamma = norm.weight is { } w ? w.detach().to(float64) : ones_like(std);
        var beta = norm.bias is { } b ? b.detach().to(float64) : zeros_like(std);
        var scale = gamma / std;
        return (scale, beta - norm.running_mean!.detach().to(float64) * scale);
    }

    private static long[] Pads(long[]? padding) => padding is null ? [0, 0, 0, 0] : [padding[0], padding[^1], padding[0], padding[^1]];

    /// <summary>A tensor's values as float32, in row-major order.</summary>
    public static float[] Floats(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.detach().cpu().to(float32).contiguous().data<float>().ToArray();
    }
}
