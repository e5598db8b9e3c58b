using System.Collections;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Spotter.Models.Backbones;

/// <summary>
/// Loads torchvision-format state dicts (a <c>.pth</c>/<c>.pt</c> written by <c>torch.save</c>, or
/// <c>.safetensors</c>) into a module, by key, checking every shape. Keys the module does not
/// have (the cut-off classifier, <c>fc.*</c>) are ignored; keys it needs and the file lacks, and
/// shapes that differ, are reported by name in one line.
/// </summary>
public static class TorchvisionWeights
{
    /// <summary>Keys that may be absent from a file: buffers Spotter adds (input normalisation) and BN step counters.</summary>
    private static bool MayBeAbsent(string key) =>
        key.StartsWith("normalize.", StringComparison.Ordinal) || key.EndsWith("num_batches_tracked", StringComparison.Ordinal);

    public static void Load(nn.Module module, string path)
    {
        if (!File.Exists(path)) throw new SpotterException($"{path}: weights file not found");
        var source = ReadStateDict(path);
        try
        {
            var target = module.state_dict();
            var missing = target.Keys.Where(k => !source.ContainsKey(k) && !MayBeAbsent(k)).ToList();
            var mismatched = target.Keys.Where(k => source.ContainsKey(k) && !source[k].shape.SequenceEqual(target[k].shape))
                .Select(k => $"{k} is [{string.Join(",", source[k].shape)}], expected [{string.Join(",", target[k].shape)}]")
                .ToList();
            if (missing.Count > 0 || mismatched.Count > 0)
                throw new SpotterException($"{path}: does not fit this backbone: {Describe(missing, mismatched)}");

            using var _ = no_grad();
            using var scope = NewDisposeScope(); // the dtype-converted copies (fp16 files)
            foreach (var (key, value) in target)
                if (source.TryGetValue(key, out var loaded)) value.copy_(loaded.to(value.dtype));
        }
        finally
        {
            foreach (var tensor in source.Values) tensor.Dispose();
        }
    }

    private static string Describe(List<string> missing, List<string> mismatched)
    {
        var parts = new List<string>();
        if (missing.Count > 0) parts.Add($"missing {missing.Count} key(s): {string.Join(", ", missing.Take(5))}{(missing.Count > 5 ? ", ..." : "")}");
        if (mismatched.Count > 0) parts.Add($"{mismatched.Count} shape mismatch(es): {string.Join("; ", mismatched.Take(3))}{(mismatched.Count > 3 ? "; ..." : "")}");
        return string.Join("; ", parts);
    }

    private static Dictionary<string, Tensor> ReadStateDict(string path)
    {
        try
        {
            if (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
                return Safetensors.LoadStateDict(path);
            var table = PyTorchUnpickler.UnpickleStateDict(path);
            var result = new Dictionary<string, Tensor>();
            foreach (DictionaryEntry entry in table)
                if (entry.Value is Tensor t) result[(string)entry.Key] = t;
            return result;
        }
        catch (Exception e) when (e is not SpotterException)
        {
            throw new SpotterException($"{path}: not a PyTorch state dict or safetensors file ({e.Message.Split('\n')[0]})");
        }
    }
}
