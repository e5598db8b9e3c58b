using Spotter.Data.Loading;
using static TorchSharp.torch;

namespace Spotter.Training;

/// <summary>
/// What the <see cref="Learner"/> needs from a model: its layer groups (body groups first, the
/// head last) and how to score a batch.
/// </summary>
public interface ITrainable
{
    nn.Module<Tensor, Tensor> Module { get; }

    /// <summary>Groups for freezing and per-group learning rates; the last is the head.</summary>
    IReadOnlyList<IReadOnlyList<nn.Module>> LayerGroups { get; }

    /// <summary>The training loss of the model's output for a batch (a scalar).</summary>
    Tensor Loss(Tensor output, Batch batch);

    /// <summary>A fresh accumulator of validation metrics.</summary>
    IMetrics NewMetrics();
}
