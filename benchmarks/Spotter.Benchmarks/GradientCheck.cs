using Spotter.Data.Loading;
using Spotter.Models;
using Spotter.Models.Backbones;
using Spotter.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Spotter.Benchmarks;

/// <summary>
/// How far this CPU's training step is from exact arithmetic: the detector's output and every
/// parameter's gradient for real training batches, computed as training computes them (fp32
/// channels-last, fp32 NCHW, the bf16 shadow) and compared with a float64 copy of the same model
/// (float64 does not go through oneDNN). Each variant is repeated on the same batch, so an
/// intermittent kernel fault shows as a repeat that disagrees with the others. Batch norm in
/// training mode (with <c>--frozen-norm</c>: keeping its statistics, as <c>train --frozen-norm all</c>
/// trains), dropout off (its random mask would differ between the copies).
/// <c>dotnet run -c Release --project benchmarks/Spotter.Benchmarks -- gradient-check DATASET [SIZE] [BATCHES] [REPEATS] [--each] [--finite-differences] [--frozen-norm]</c>
/// </summary>
public static class GradientCheck
{
    /// <param name="eachParameter">Print every parameter's error (the first repeat of each variant), to see where it starts.</param>
    /// <param name="finiteDifferences">Also settle, by finite differences, which of two disagreeing gradients is right.</param>
    /// <param name="frozenNorms">Every batch norm keeps its statistics, so none runs its training-mode backward pass.</param>
    public static void Run(string datasetSpec, int size, int batches, int repeats, bool eachParameter, bool finiteDifferences, bool frozenNorms)
    {
        using var setup = new DetectorTrainingSetup(datasetSpec, size);
        var (loader, spec) = (setup.Loader, setup.Spec);
        manual_seed(0);
        using var model = ModelFactory.Create(spec);
        using var reference = ModelFactory.Create(spec);
        using var shadowModule = ModelFactory.CreateUntrained(spec);
        reference.Module.load_state_dict(model.Module.state_dict());
        reference.Module.to(float64);
        using var shadow = new Bf16Shadow(model.Module, shadowModule.Module, CPU);
        Console.WriteLine($"gradient-check: {setup.Source}, detector {size}x{size}, batch 16, {batches} batch(es) x {repeats} repeat(s), batch norm {(frozenNorms ? "keeping its statistics" : "in training mode")}, {torch.get_num_threads()} threads");

        foreach (var batch in loader.Epoch(0).Take(batches))
            using (batch)
            {
                var (exactOutput, exact) = OutputAndGradients(reference, batch, frozenNorms, m => m.forward(batch.Images.to(float64)));
                var (againOutput, again) = OutputAndGradients(reference, batch, frozenNorms, m => m.forward(batch.Images.to(float64)));
                Console.WriteLine($"batch of {batch.Count}: float64 against itself: output {Relative(againOutput, exactOutput):0.0e0}, gradients at most {again.Max(g => Relative(g.Value, exact[g.Key])):0.0e0}");
                foreach (var (name, channelsLast, bf16) in new[] { ("fp32 channels-last", true, false), ("fp32 NCHW", false, false), ("bf16 channels-last", true, true) })
                {
                    Backbone.SetChannelsLast(model.Module, channelsLast);
                    Backbone.SetChannelsLast(shadowModule.Module, channelsLast);
                    for (var r = 0; r < repeats; r++)
                    {
                        var (output, grads) = bf16
                            ? OutputAndGradients(model, batch, frozenNorms, _ => shadow.Prepare().forward(batch.Images).to(float32), shadow.Return)
                            : OutputAndGradients(model, batch, frozenNorms, m => m.forward(batch.Images));
                        var errors = grads.ToDictionary(g => g.Key, g => Relative(g.Value, exact[g.Key]));
                        if (r == 0 && eachParameter)
                            foreach (var (parameter, error) in errors) Console.WriteLine($"      {parameter,-40} {error:0.0e0}  |g| {Norm(exact[parameter]):0.0e0}");
                        if (r == 0 && finiteDifferences) CheckDirection(reference, batch, grads, exact);
                        var worst = errors.MaxBy(e => e.Value);
                        Console.WriteLine($"  {name,-20} #{r}: output {Relative(output, exactOutput):0.0e0}; gradients: worst {worst.Value:0.0e0} ({worst.Key}), " +
                            $"{errors.Values.Count(e => e > 1e-3)} of {errors.Count} above 1e-3, median {Median(errors.Values):0.0e0}");
                        output.Dispose();
                        foreach (var g in grads.Values) g.Dispose();
                    }
                }
                exactOutput.Dispose();
                againOutput.Dispose();
                foreach (var g in exact.Values.Concat(again.Values)) g.Dispose();
            }
    }

    /// <summary>
    /// Which gradient is right, by finite differences in float64 along the direction in which the
    /// two disagree: the loss's slope there against each gradient's projection on it.
    /// </summary>
    private static void CheckDirection(IImageModel reference, Batch batch, Dictionary<string, Tensor> gradients, Dictionary<string, Tensor> exact)
    {
        using var scope = NewDisposeScope();
        var direction = gradients.ToDictionary(g => g.Key, g => g.Value - exact[g.Key]);
        var length = Math.Sqrt(direction.Values.Sum(d => d.square().sum().item<double>()));
        if (!double.IsFinite(length) || length == 0)
        {
            Console.WriteLine("    finite differences: nothing to settle (a gradient is not finite, or both agree)");
            return;
        }
        foreach (var d in direction.Values) d.div_(length);
        double Along(Dictionary<string, Tensor> g) => direction.Sum(d => (g[d.Key] * d.Value).sum().item<double>());
        foreach (var step in new[] { 1e-3, 1e-4, 1e-5, 1e-6 })
        {
            var slope = (LossAt(reference, batch, direction, step) - LossAt(reference, batch, direction, -step)) / (2 * step);
            Console.WriteLine($"    finite difference (step {step:0e0}) along the disagreement: {slope:0.000000e0}; float64 gradient says {Along(exact):0.000000e0}, this one {Along(gradients):0.000000e0}");
        }
    }

    private static double LossAt(IImageModel reference, Batch batch, Dictionary<string, Tensor> direction, double step)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var parameters = reference.Module.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, d) in direction) parameters[name].add_(d * step);
        var loss = reference.Loss(reference.Module.forward(batch.Images.to(float64)), batch).to(float64).item<double>();
        foreach (var (name, d) in direction) parameters[name].sub_(d * step);
        return loss;
    }

    /// <summary>
    /// The model's output (float64, on the host) and its parameters' gradients for the batch's loss.
    /// The model stays in the mode set here, which the finite differences then use.
    /// </summary>
    private static (Tensor Output, Dictionary<string, Tensor> Gradients) OutputAndGradients(IImageModel model, Batch batch, bool frozenNorms, Func<nn.Module<Tensor, Tensor>, Tensor> forward, Action? afterBackward = null)
    {
        using var scope = NewDisposeScope();
        model.Module.train();
        foreach (var dropout in model.Module.modules().OfType<TorchSharp.Modules.Dropout>()) dropout.eval();
        if (frozenNorms)
            foreach (var norm in model.Module.modules().Where(m => m is TorchSharp.Modules.BatchNorm1d or TorchSharp.Modules.BatchNorm2d)) norm.eval();
        model.Module.zero_grad();
        var output = forward(model.Module);
        model.Loss(output, batch).backward();
        afterBackward?.Invoke();
        var gradients = model.Module.named_parameters().Where(p => p.parameter.grad is not null)
            .ToDictionary(p => p.name, p => p.parameter.grad!.to(float64).clone().MoveToOuterDisposeScope());
        return (output.detach().to(float64).MoveToOuterDisposeScope(), gradients);
    }

    /// <summary>|value - exact| / |exact|, read to the host.</summary>
    internal static double Relative(Tensor value, Tensor exact)
    {
        using var scope = NewDisposeScope();
        return ((value - exact).norm() / (exact.norm() + 1e-30)).item<double>();
    }

    private static double Norm(Tensor value)
    {
        using var scope = NewDisposeScope();
        return value.norm().item<double>();
    }

    internal static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
