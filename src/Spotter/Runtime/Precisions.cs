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
    /// As <see cref="Resolve"/>, for training, except on AMD Zen 5
    /// (<see cref="CpuFeatures.HasFaultyBackwardConvolutions"/>), where auto is fp32: bf16 training
    /// there, channels-last (<see cref="TrainingKernels"/>), was 1.5-2x faster but still had 10 faulty
    /// steps in 176 and scored 0.943 against fp32's 0.955 on the demo's test split (README, "AMD Zen 5").
    /// An explicit bf16 is followed.
    /// </summary>
    public static Precision ResolveForTraining(Precision precision, DeviceType device) =>
        precision == Precision.Auto && device == DeviceType.CPU && CpuFeatures.Current.HasFaultyBackwardConvolutions
            ? Precision.Fp32
            : Resolve(precision, device);

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
