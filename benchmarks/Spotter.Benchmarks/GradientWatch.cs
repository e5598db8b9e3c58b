using Spotter.Models;
using Spotter.Runtime;
using Spotter.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Spotter.Benchmarks;

/// <summary>
/// Gradient spikes in real training: the detector trained for a number of steps as <c>train</c>
/// trains it on this CPU (all layers, AdamW at a fixed rate, the chosen precision, channels-last
/// where the learner uses it), and after each step every parameter's gradient norm compared with
/// the median of its earlier steps, and the global norm with the median of the last 20 steps. The
/// gradients read are those of the steps taken, after the learner's own guard against faulty
/// steps (<see cref="GradientSpikes"/>). Rare real spikes exist (a batch with the only small objects
/// that the finest anchors see); a kernel fault shows as norms of 1e13 and more.
/// <c>dotnet run -c Release --project benchmarks/Spotter.Benchmarks -- gradient-watch DATASET SIZE STEPS fp32|bf16</c>
/// </summary>
public static class GradientWatch
{
    public static void Run(string datasetSpec, int size, int steps, string precisionName)
    {
        var precision = EnumNames.Parse<Precision>(precisionName, "precision");
        using var setup = new DetectorTrainingSetup(datasetSpec, size);
        var (loader, spec) = (setup.Loader, setup.Spec);
        manual_seed(0);
        using var model = ModelFactory.Create(spec);
        var kernels = TrainingKernels.For(DeviceType.CPU);
        using var learner = new Learner(model, loader, null, new LearnerOptions
        {
            CreateBf16Shadow = precision == Precision.Bf16 ? () => ModelFactory.CreateUntrained(spec).Module : null,
            ChannelsLast = kernels.ChannelsLast,
        });
        learner.Unfreeze();
        learner.SetTrainingMode();
        var lrs = Enumerable.Repeat(1e-4, learner.GroupCount).ToArray();
        var names = model.Module.named_parameters().Select(p => p.name).ToList();
        var history = names.Select(_ => new List<double>()).ToList();
        Console.WriteLine($"gradient-watch: {setup.Source}, {size}x{size}, batch 16, {steps} steps, {precision.Name()}, {(kernels.ChannelsLast ? "channels-last" : "NCHW")}");
        int step = 0, spikes = 0;
        var totals = new List<double>();
        var largestRatio = 0.0;
        for (var epoch = 0; step < steps; epoch++)
            foreach (var batch in loader.Epoch(epoch))
            {
                double loss;
                using (batch) loss = learner.Step(batch, lrs);
                var norms = Norms(model.Module);
                var total = Math.Sqrt(norms.Sum(n => n * n));
                var totalRatio = totals.Count == 0 ? 1 : total / GradientCheck.Median(totals.TakeLast(20));
                totals.Add(total);
                largestRatio = Math.Max(largestRatio, totalRatio);
                // Each parameter against the median of its own earlier steps (after 5 of them).
                double OwnRatio(int i)
                {
                    if (history[i].Count < 5) return 0;
                    var median = GradientCheck.Median(history[i]);
                    return median > 0 ? norms[i] / median : 0;
                }
                var ratios = Enumerable.Range(0, names.Count).Select(OwnRatio).ToList();
                var worst = Enumerable.Range(0, names.Count).MaxBy(i => ratios[i]);
                if (ratios[worst] > 100)
                {
                    spikes++;
                    Console.WriteLine($"  step {step} (loss {loss:0.000}, global norm {total:0.0e0}, {totalRatio:0.0e0}x the last 20 steps' median): {names[worst]} gradient norm {norms[worst]:0.0e0}, {ratios[worst]:0.0e0}x its median; " +
                        $"{ratios.Count(r => r > 100)} parameters above 100x");
                }
                for (var i = 0; i < names.Count; i++) history[i].Add(norms[i]);
                if (++step == steps) break;
            }
        Console.WriteLine($"{spikes} of {steps} steps had a parameter's gradient above 100x its median; the global norm's largest ratio to the last 20 steps' median: {largestRatio:0.0e0}; " +
            $"the learner computed {learner.RecomputedSteps} step(s) again and left {learner.SkippedSteps} out");
    }

    private static double[] Norms(nn.Module module)
    {
        using var scope = NewDisposeScope();
        var norms = module.parameters().Select(p => p.grad is { } g ? g.norm().to(float64) : zeros(1, dtype: float64).squeeze()).ToList();
        return stack(norms).data<double>().ToArray();
    }
}
