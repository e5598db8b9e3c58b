using System.Diagnostics;
using Spotter.Models.Backbones;
using TorchSharp;
using static TorchSharp.torch;

namespace Spotter.Benchmarks;

/// <summary>
/// Whether bf16 pays on this CPU: the ImageNet ResNet18 body, forward (inference) and forward +
/// backward (training), batch 16 at 224 px, in fp32 and with the module and input in bf16.
/// <c>dotnet run -c Release --project benchmarks/Spotter.Benchmarks -- precision-probe</c>
/// </summary>
public static class PrecisionProbe
{
    public static void Run()
    {
        foreach (var (name, type, fp32Norms) in new[] { ("fp32", ScalarType.Float32, false), ("bf16", ScalarType.BFloat16, false), ("bf16, batch norms fp32", ScalarType.BFloat16, true) })
        {
            using var body = BackboneCatalog.Create(BackboneCatalog.ImageNetResNet18);
            body.to(type);
            if (fp32Norms)
                foreach (var norm in body.modules().OfType<TorchSharp.Modules.BatchNorm2d>()) norm.to(ScalarType.Float32);
            using var images = rand(16, 3, 224, 224);
            body.eval();
            double infer;
            using (no_grad()) infer = Time(() => body.forward(images).Dispose(), 5);
            body.train();
            var train = Time(() =>
            {
                using var scope = NewDisposeScope();
                body.zero_grad();
                body.forward(images).to(float32).mean().backward();
            }, 3);
            Console.WriteLine($"{name}: inference {16 / infer:0.0} images/s, training {16 / train:0.0} images/s");
        }
    }

    private static double Time(Action step, int repeats)
    {
        step();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < repeats; i++) step();
        return clock.Elapsed.TotalSeconds / repeats;
    }
}
