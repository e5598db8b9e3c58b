using Spotter.Models;
using Spotter.Runtime;
using Spotter.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Spotter.Benchmarks;

/// <summary>
/// AdamW's second moment in a run's last checkpoint, parameter by parameter: the square root of
/// its largest entry, which is about the largest gradient that parameter has seen lately. A
/// parameter hit by a faulty gradient of absurd size keeps a huge value there and barely moves.
/// <c>dotnet run -c Release --project benchmarks/Spotter.Benchmarks -- optimizer-state RUN</c>
/// </summary>
public static class OptimizerState
{
    public static void Run(string runFolder)
    {
        TorchRuntime.EnsureLoaded();
        using var model = ModelFile.Load(runFolder);
        // The learner's optimiser: one AdamW group per layer group, as Learner makes it.
        var groups = model.LayerGroups.Select(g => g.SelectMany(m => m.parameters()).ToList()).ToList();
        using var optimizer = optim.AdamW(groups.Select(p => new TorchSharp.Modules.AdamW.ParamGroup(p, new TorchSharp.Modules.AdamW.Options { LearningRate = 1e-3 })), 1e-3);
        var checkpoints = Path.Combine(runFolder, "checkpoints");
        var state = Checkpoint.ReadState(checkpoints) ?? throw new InvalidOperationException($"{checkpoints}: no checkpoint");
        optimizer.load_state_dict(Path.Combine(checkpoints, state.Optimizer));
        var order = groups.SelectMany(g => g).Select(p => p.Handle).ToList();
        var byHandle = model.Module.named_parameters().ToDictionary(p => p.parameter.Handle, p => p.name);
        var states = optimizer.state_dict().State.OfType<TorchSharp.Modules.AdamW.State>().ToList();
        float Largest(Tensor moment)
        {
            using var scope = NewDisposeScope();
            return moment.max().sqrt().item<float>();
        }
        var rows = order.Zip(states, (handle, moment) => (Name: byHandle[handle], Largest: Largest(moment.exp_avg_sq))).ToList();
        foreach (var (name, largest) in rows) Console.WriteLine($"{name,-40} {largest:0.0e0}");
        Console.WriteLine($"{rows.Count(r => !float.IsFinite(r.Largest) || r.Largest > 1e3)} of {rows.Count} parameters with a second moment above (1e3)^2 or not finite");
    }
}
