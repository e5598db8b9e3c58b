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

    public static IDetector Open(string path, string device)
    {
        if (!IsOnnx(path)) return Detector.Load(path, device);
        if (device is not ("auto" or "cpu")) throw new SpotterException($"--device {device}: an ONNX model runs on the CPU here (ONNX Runtime's CPU provider)");
        return OnnxDetector.Load(path);
    }
}
