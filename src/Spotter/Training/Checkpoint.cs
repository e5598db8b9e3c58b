using System.Text.Json;
using System.Text.Json.Serialization;
using Spotter.Runtime;
using TorchSharp.PyBridge;

namespace Spotter.Training;

/// <summary>
/// A resumable snapshot of training: weights, optimiser state and the history so far. Files are
/// named by epoch and state.json, written last and atomically, names the complete set, so a crash
/// while saving leaves the previous checkpoint intact. The last two epochs are kept (each with its
/// own state-eN.json): when the newest is damaged (a file cut short, a disk that filled up),
/// <see cref="Load"/> falls back to the one before.
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
        /// <summary>The moving average of the weights (--ema), in the weights' format; null when the run keeps none.</summary>
        [JsonPropertyName("average")] public string? Average { get; init; }
        [JsonPropertyName("average_updates")] public long AverageUpdates { get; init; }
    }

    public static void Save(Learner learner, string folder, double? best)
    {
        Directory.CreateDirectory(folder);
        var epoch = learner.History.Count;
        var weights = $"model-e{epoch}.bin";
        var optimizer = $"optimizer-e{epoch}.bin";
        AtomicFile.Write(Path.Combine(folder, weights), temp => learner.Model.Module.save(temp));
        // TorchSharp's own format: PyTorch's (save_py) deflates every tensor, which cost about 5 s
        // an epoch for AdamW's 146 MB of state at 320 px, while the file shrank by 9 %.
        AtomicFile.Write(Path.Combine(folder, optimizer), temp => OptimizerOf(learner).save_state_dict(temp));
        string? average = null;
        if (learner.Average is { } kept)
        {
            average = $"average-e{epoch}.bin";
            AtomicFile.Write(Path.Combine(folder, average), temp => kept.WithAverageIn(() => learner.Model.Module.save(temp)));
        }
        var state = new State
        {
            EpochsDone = epoch, FrozenGroups = learner.FrozenGroups, Weights = weights, Optimizer = optimizer, History = learner.History, Best = best,
            Average = average, AverageUpdates = learner.Average?.Updates ?? 0,
        };
        var json = JsonSerializer.Serialize(state, Json);
        AtomicFile.WriteAllText(Path.Combine(folder, $"state-e{epoch}.json"), json);
        AtomicFile.WriteAllText(Path.Combine(folder, StateFile), json);
        foreach (var stale in Directory.EnumerateFiles(folder, "*-e*.*").Where(f => EpochOf(f) is { } e && e < epoch - 1))
            File.Delete(stale);
    }

    /// <summary>The epoch in a checkpoint file's name (model-e3.bin, state-e3.json), or null.</summary>
    private static int? EpochOf(string path)
    {
        var name = Path.GetFileNameWithoutExtension(path);
        var at = name.LastIndexOf("-e", StringComparison.Ordinal);
        return at >= 0 && int.TryParse(name[(at + 2)..], out var epoch) ? epoch : null;
    }

    public static bool Exists(string folder) => File.Exists(Path.Combine(folder, StateFile));

    /// <summary>The newest checkpoint's state, or null when there is none or it cannot be read.</summary>
    public static State? ReadState(string folder)
    {
        try
        {
            return Exists(folder) ? ParseState(Path.Combine(folder, StateFile)) : null;
        }
        catch (SpotterException)
        {
            return null;
        }
    }

    /// <summary>
    /// Restores weights, optimiser state, freezing and history into a learner built like the
    /// original, from the newest checkpoint that reads whole; <paramref name="fellBack"/> says why
    /// a newer one was passed over (null when the newest was used).
    /// </summary>
    public static State Load(Learner learner, string folder, out string? fellBack)
    {
        var path = Path.Combine(folder, StateFile);
        if (!File.Exists(path)) throw new SpotterException($"{folder}: no checkpoint to resume from ({StateFile} missing)");
        var candidates = new[] { path }.Concat(Directory.EnumerateFiles(folder, "state-e*.json")
            .Where(f => EpochOf(f) is not null).OrderByDescending(f => EpochOf(f))).ToList();
        fellBack = null;
        string? firstFailure = null;
        foreach (var candidate in candidates)
        {
            try
            {
                var state = ParseState(candidate);
                learner.FreezeTo(state.FrozenGroups);
                LoadAverage(learner, folder, state);
                LoadFile(() => learner.Model.Module.load(Path.Combine(folder, state.Weights)), Path.Combine(folder, state.Weights));
                LoadFile(() => LoadOptimizer(learner, Path.Combine(folder, state.Optimizer)), Path.Combine(folder, state.Optimizer));
                learner.History.Clear();
                learner.History.AddRange(state.History);
                if (firstFailure is not null) fellBack = $"{firstFailure}; resumed from the checkpoint of epoch {state.EpochsDone} instead";
                return state;
            }
            catch (SpotterException e)
            {
                firstFailure ??= e.Message;
            }
        }
        throw new SpotterException($"{firstFailure}; no earlier checkpoint reads whole, so the run cannot be resumed (start a new one)");
    }

    /// <summary>
    /// The checkpoint's moving average into the learner's (read through the model, whose weights are
    /// loaded after it). A checkpoint without one (a run that kept none, or an older Spotter's)
    /// starts the average from the checkpoint's weights.
    /// </summary>
    private static void LoadAverage(Learner learner, string folder, State state)
    {
        if (learner.Average is not { } average) return;
        var file = Path.Combine(folder, state.Average ?? state.Weights);
        LoadFile(() => learner.Model.Module.load(file), file);
        average.Restart(state.Average is null ? 0 : state.AverageUpdates);
    }

    private static TorchSharp.Modules.OptimizerHelper OptimizerOf(Learner learner) => (TorchSharp.Modules.OptimizerHelper)learner.Optimizer;

    /// <summary>The optimiser's state from TorchSharp's format, or from PyTorch's (a zip), as earlier Spotter versions wrote it.</summary>
    private static void LoadOptimizer(Learner learner, string path)
    {
        Span<byte> head = stackalloc byte[2];
        using (var file = File.OpenRead(path)) file.ReadExactly(head);
        if (head[0] == (byte)'P' && head[1] == (byte)'K') OptimizerOf(learner).load_py(path);
        else OptimizerOf(learner).load_state_dict(path);
    }

    private static State ParseState(string path)
    {
        try
        {
            var state = JsonSerializer.Deserialize<State>(File.ReadAllText(path), Json);
            return state ?? throw new SpotterException($"{path}: the checkpoint is damaged (empty)");
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            throw new SpotterException($"{path}: the checkpoint is damaged ({e.Message.Split(". Path:", 2)[0]})");
        }
    }

    // TorchSharp reports a truncated or foreign file with assorted exceptions; any of them means the file is damaged.
    private static void LoadFile(Action load, string path)
    {
        if (!File.Exists(path)) throw new SpotterException($"{path}: the checkpoint is damaged (file missing)");
        try
        {
            load();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new SpotterException($"{path}: the checkpoint is damaged ({e.GetType().Name}: {e.Message.Split('\n')[0]})");
        }
    }

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals, // a metric may be NaN
    };
}
