using Spotter.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Spotter.Benchmarks;

/// <summary>
/// One head-like layer in isolation: a 3x3 convolution, alone and followed by ReLU and batch norm
/// in training mode, on seeded random data at the map sizes a 320 px detector has, batch 16. Its
/// gradients in fp32 (channels-last and NCHW) against float64, to tell which kernel loses
/// precision when the whole detector's gradients disagree with float64 (gradient-check).
/// <c>dotnet run -c Release --project benchmarks/Spotter.Benchmarks -- layer-check</c>
/// </summary>
public static class LayerCheck
{
    public static void Run()
    {
        TorchRuntime.EnsureLoaded();
        foreach (var (cin, cout, hw, n) in new[] { (512, 256, 10, 16), (256, 256, 20, 16), (128, 256, 40, 16), (512, 256, 5, 16), (64, 64, 80, 16) })
        {
            using var scope = NewDisposeScope();
            using var g = new Generator(7);
            var x = randn(n, cin, hw, hw, generator: g);
            var w = randn(cout, cin, 3, 3, generator: g) * (1.0 / Math.Sqrt(cin * 9));
            var b = randn(cout, generator: g) * 0.1;
            var gamma = rand(cout, generator: g) + 0.5;
            var beta = randn(cout, generator: g) * 0.1;
            var dy = randn(n, cout, hw, hw, generator: g);
            Dictionary<string, Tensor> Grads(ScalarType type, bool channelsLast, bool withNorm)
            {
                var xi = x.to(type); if (channelsLast) xi = xi.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
                xi = xi.detach().requires_grad_(true);
                var wi = w.to(type).detach().requires_grad_(true);
                var bi = b.to(type).detach().requires_grad_(true);
                var gi = gamma.to(type).detach().requires_grad_(true);
                var be = beta.to(type).detach().requires_grad_(true);
                var y = nn.functional.conv2d(xi, wi, bi, padding: new long[] { 1, 1 });
                if (withNorm) y = nn.functional.batch_norm(nn.functional.relu(y), zeros(cout, dtype: type), ones(cout, dtype: type), gi, be, training: true);
                (y * dy.to(type)).sum().backward();
                var result = new Dictionary<string, Tensor> { ["dx"] = xi.grad!.to(float64), ["dw"] = wi.grad!.to(float64), ["db"] = bi.grad!.to(float64) };
                if (withNorm) result["dgamma"] = gi.grad!.to(float64);
                return result;
            }
            foreach (var withNorm in new[] { false, true })
            {
                var exact = Grads(float64, false, withNorm);
                foreach (var cl in new[] { true, false })
                {
                    var got = Grads(float32, cl, withNorm);
                    Console.WriteLine($"{cin}->{cout} {hw}x{hw} n{n} {(withNorm ? "conv+relu+bn" : "conv      ")} {(cl ? "channels-last" : "NCHW         ")}: " +
                        string.Join(", ", got.Select(kv => $"{kv.Key} {GradientCheck.Relative(kv.Value, exact[kv.Key]):0.0e0}")));
                }
            }
        }
    }
}
