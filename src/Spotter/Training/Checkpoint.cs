using System.Text.Json;
using System.Text.Json.Serialization;
using Spotter.Runtime;
using TorchSharp.PyBridge;

namespace Spotter.Training;

/// <summary>
/// A resumable snapshot of training: weights, optimiser state and the history so far. Files are
/// named by epoch and state.json, written last and atomically, names the complete set, so a crash
/// while saving leaves the previous checkpoint intact. Older files are removed afterwards.
/// </summary>
public static class Checkpoint
{
    private const string StateFile = "state.json";

    public sealed record State
    {
        [JsonPropertyName("epochs_done")] public required int EpochsDone { get; init; }
        [JsonPropertyName("frozen_groups")] public required int FrozenGroups { get; init; }
        [JsonPropertyName("weights")] public required string Weights { get; init; }
        [JsonPropertyName("optimizer")] public required string Optimizer { get; init; }
        [JsonPropertyName("history")] public required IReadOnlyList<EpochRecord> History { get; init; }
        [JsonPropertyName("best")] public double? Best { get; init; }
    }

    public static void Save(Learner learner, string folder, double? best)
    {
        Directory.CreateDirectory(folder);
        var epoch = learner.History.Count;
        var weights = $"model-e{epoch}.bin";
        var optimizer = $"optimizer-e{epoch}.bin";
        AtomicFile.Write(Path.Combine(folder, weights), temp => learner.Model.Module.save(temp));
        AtomicFile.Write(Path.Combine(folder, optimizer), temp => ((TorchSharp.Modules.OptimizerHelper)learner.Optimizer).save_py(temp));
        var state = new State { EpochsDone = epoch, FrozenGroups = learner.FrozenGroups, Weights = weights, Optimizer = optimizer, History = learner.History, Best = best };
        AtomicFile.WriteAllText(Path.Combine(folder, StateFile), JsonSerializer.Serialize(state, Json));
        foreach (var stale in Directory.EnumerateFiles(folder, "*-e*.bin").Where(f => Path.GetFileName(f) != weights && Path.GetFileName(f) != optimizer))
            File.Delete(stale);
    }

    public static bool Exists(string folder) => File.Exists(Path.Combine(folder, StateFile));

    public static State? ReadState(string folder) =>
        Exists(folder) ? JsonSerializer.Deserialize<State>(File.ReadAllText(Path.Combine(folder, StateFile)), Json) : null;

    /// <summary>Restores weights, optimiser state, freezing and history into a learner built like the original.</summary>
    public static State Load(Learner learner, string folder)
    {
        var path = Path.Combine(folder, StateFile);
        if (!File.Exists(path)) throw new SpotterException($"{folder}: no checkpoint to resume from ({StateFile} missing)");
        var state = ReadState(folder) ?? throw new SpotterException($"{path}: empty checkpoint state");
        learner.FreezeTo(state.FrozenGroups);
        learner.Model.Module.load(Path.Combine(folder, state.Weights));
        ((TorchSharp.Modules.OptimizerHelper)learner.Optimizer).load_py(Path.Combine(folder, state.Optimizer));
        learner.History.Clear();
        learner.History.AddRange(state.History);
        return state;
    }

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals, // a metric may be NaN
    };
}
