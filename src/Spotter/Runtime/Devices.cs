using TorchSharp;
using static TorchSharp.torch;

namespace Spotter.Runtime;

/// <summary>Turns --device (auto, cpu, cuda, cuda:N) into a TorchSharp device.</summary>
public static class Devices
{
    public static Device Parse(string name)
    {
        var wantCuda = name == "auto" || name.StartsWith("cuda", StringComparison.Ordinal);
        TorchRuntime.EnsureLoaded(wantCuda);
        if (name == "auto") return TorchRuntime.CudaAvailable ? CUDA : CPU;
        if (name == "cpu") return CPU;
        if (name.StartsWith("cuda", StringComparison.Ordinal))
        {
            if (!TorchRuntime.CudaAvailable)
                throw new SpotterException($"--device {name}: CUDA is not available here (this build carries the CPU libtorch, or no GPU is visible); use --device cpu");
            return new Device(name);
        }
        throw new SpotterException($"unknown device '{name}'; choose auto, cpu or cuda");
    }
}
