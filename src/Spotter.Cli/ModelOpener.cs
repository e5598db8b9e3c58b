using Spotter.Inference;
using Spotter.Onnx;

namespace Spotter.Cli;

/// <summary>
/// Opens what a user names as a model as an <see cref="IDetector"/>: a .onnx file (from
/// <c>spotter export</c>) on ONNX Runtime, otherwise a run folder or its model.json on TorchSharp.
/// </summary>
public static class ModelOpener
{
    public static bool IsOnnx(string path) => path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) && !Directory.Exists(path);

    public static IDetector Open(string path, string device, Precision precision = Precision.Fp32)
    {
        if (!IsOnnx(path)) return Detector.Load(path, device, precision);
        if (device is not ("auto" or "cpu")) throw new SpotterException($"--device {device}: an ONNX model runs on the CPU here (ONNX Runtime's CPU provider)");
        if (precision == Precision.Bf16) throw new SpotterException("--precision bf16: an exported model computes in fp32 (export writes fp32 weights)");
        return OnnxDetector.Load(path);
    }

    /// <summary>--precision for the commands that run a model.</summary>
    public static System.CommandLine.Option<string> PrecisionOption()
    {
        var option = new System.CommandLine.Option<string>("--precision")
        {
            DefaultValueFactory = _ => "fp32",
            Description = "fp32, bf16 (the network computes in bf16; decoding, NMS and metrics stay fp32), or auto (bf16 where the CPU has bf16 arithmetic: AVX-512 BF16 or AMX; for training on AMD Zen 5, fp32)",
        };
        option.AcceptOnlyFromAmong([.. EnumNames.All<Precision>()]);
        return option;
    }

    public static Precision ParsePrecision(string name) => EnumNames.Parse<Precision>(name, "--precision");
}
