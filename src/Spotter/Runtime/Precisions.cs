using TorchSharp;
using static TorchSharp.torch;

namespace Spotter.Runtime;

/// <summary>What <see cref="Precision.Auto"/> means on this machine, and the tensor type of each precision.</summary>
public static class Precisions
{
    /// <summary>bf16 on a CPU with bf16 arithmetic (AVX-512 BF16, AMX); fp32 otherwise, and on CUDA (not measured there yet).</summary>
    public static Precision Resolve(Precision precision, DeviceType device) => precision != Precision.Auto
        ? precision
        : device == DeviceType.CPU && CpuFeatures.Current.HasBf16Hardware ? Precision.Bf16 : Precision.Fp32;

    /// <summary>
    /// As <see cref="Resolve"/>, for training: on a CPU whose bf16 backward convolutions return NaN
    /// on nearly every step (<see cref="CpuFeatures.HasFaultyBackwardConvolutions"/>), auto is fp32 and
    /// bf16 is refused.
    /// </summary>
    public static Precision ResolveForTraining(Precision precision, DeviceType device)
    {
        if (device != DeviceType.CPU || !CpuFeatures.Current.HasFaultyBackwardConvolutions) return Resolve(precision, device);
        return precision == Precision.Bf16
            ? throw new SpotterException("--precision bf16: on this CPU (AMD family 1Ah) libtorch's bf16 backward convolutions return NaN on nearly every step; train in fp32 (bf16 inference uses the forward kernels, which gave no NaN: detect/eval --precision bf16)")
            : Precision.Fp32;
    }

    public static ScalarType TensorType(Precision precision) => precision == Precision.Bf16 ? ScalarType.BFloat16 : ScalarType.Float32;

    /// <summary>
    /// Puts a model's network in bf16 for inference, except its input normalisation, which stays
    /// fp32 (the images come in as fp32 and the body casts after normalising).
    /// </summary>
    public static void ToBf16(TorchSharp.torch.nn.Module model)
    {
        model.to(ScalarType.BFloat16);
        foreach (var normalization in model.modules().OfType<Models.Backbones.InputNormalization>()) normalization.to(ScalarType.Float32);
    }
}
