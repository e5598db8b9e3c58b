using static TorchSharp.torch;

namespace Spotter.Training;

/// <summary>An in-memory copy of a module's parameters and buffers, to put back later.</summary>
public sealed class WeightSnapshot : IDisposable
{
    private readonly Dictionary<string, Tensor> _copies;

    public WeightSnapshot(nn.Module module)
    {
        using var _ = no_grad();
        _copies = module.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
    }

    public void Restore(nn.Module module)
    {
        using var _ = no_grad();
        foreach (var (key, value) in module.state_dict()) value.copy_(_copies[key]);
    }

    public void Dispose()
    {
        foreach (var tensor in _copies.Values) tensor.Dispose();
    }
}
