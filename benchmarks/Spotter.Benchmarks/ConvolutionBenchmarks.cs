using BenchmarkDotNet.Attributes;
using Spotter.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Spotter.Benchmarks;

/// <summary>
/// Baseline for the machine: one 3x3 convolution at ResNet's first-stage shape (64 channels,
/// 56x56), forward and forward+backward. Later benchmarks are read as ratios to this one.
/// </summary>
[MemoryDiagnoser]
public class ConvolutionBenchmarks
{
    private Tensor _input = null!;
    private nn.Module<Tensor, Tensor> _conv = null!;

    [Params(1, 8)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        TorchRuntime.EnsureLoaded();
        _input = randn(Batch, 64, 56, 56);
        _conv = nn.Conv2d(64, 64, 3, padding: 1);
    }

    [Benchmark]
    public void Forward()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        _conv.forward(_input);
    }

    [Benchmark]
    public void ForwardBackward()
    {
        using var scope = NewDisposeScope();
        _conv.forward(_input).sum().backward();
        _conv.zero_grad();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _input.Dispose();
        _conv.Dispose();
    }
}
