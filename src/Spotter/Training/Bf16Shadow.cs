using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Spotter.Training;

/// <summary>
/// Mixed-precision training without autocast (TorchSharp 0.107 has none): a bf16 copy of the
/// model computes forward and backward, the fp32 model keeps the weights, the optimiser state and
/// the batch-norm statistics. Before each pass the shadow takes the master's weights (converted),
/// frozen flags and train/eval modes; after the backward pass the master takes the shadow's
/// gradients (in fp32) and its batch-norm statistics. Batch norms and the input normalisation stay
/// fp32 in the shadow (libtorch runs batch norm on bf16 input with fp32 parameters), so their
/// statistics and the pixels keep full precision. The loss runs in fp32 on the shadow's output.
/// Validation does not use the shadow: it runs the fp32 model, as the saved model is used.
/// </summary>
public sealed class Bf16Shadow : IDisposable
{
    private readonly nn.Module<Tensor, Tensor> _master;
    private readonly nn.Module<Tensor, Tensor> _shadow;
    private readonly List<(Parameter Master, Parameter Shadow)> _parameters;
    private readonly List<(Tensor Master, Tensor Shadow)> _buffers;
    private readonly List<(nn.Module Master, nn.Module Shadow)> _modules;

    /// <param name="shadow">A second model of the same architecture (its weights are overwritten); the shadow takes ownership.</param>
    public Bf16Shadow(nn.Module<Tensor, Tensor> master, nn.Module<Tensor, Tensor> shadow, Device device)
    {
        _master = master;
        _shadow = shadow;
        _shadow.to(device).to(ScalarType.BFloat16);
        foreach (var module in _shadow.modules().Where(m => m is BatchNorm or Models.Backbones.InputNormalization)) module.to(ScalarType.Float32);
        _parameters = master.parameters().Zip(shadow.parameters()).ToList();
        _buffers = master.buffers().Zip(shadow.buffers()).ToList();
        _modules = master.modules().Zip(shadow.modules()).ToList();
        if (_parameters.Count != master.parameters().Count() || _parameters.Count != shadow.parameters().Count())
            throw new ArgumentException("the shadow must have the master's architecture", nameof(shadow));
    }

    /// <summary>The shadow, in the master's current state, ready for a pass.</summary>
    public nn.Module<Tensor, Tensor> Prepare()
    {
        using var _ = no_grad();
        foreach (var (master, shadow) in _parameters)
        {
            shadow.copy_(master);
            shadow.requires_grad = master.requires_grad;
            shadow.grad = null;
        }
        foreach (var (master, shadow) in _buffers) shadow.copy_(master);
        foreach (var (master, shadow) in _modules) shadow.train(master.training);
        return _shadow;
    }

    /// <summary>After a backward pass: the shadow's gradients (fp32) and batch-norm statistics into the master.</summary>
    public void Return()
    {
        using var _ = no_grad();
        foreach (var (master, shadow) in _parameters)
            master.grad = shadow.grad is { } grad ? grad.to(ScalarType.Float32) : null;
        foreach (var (master, shadow) in _buffers) master.copy_(shadow);
    }

    public void Dispose() => _shadow.Dispose();
}
