using Spotter.Data.Loading;
using static TorchSharp.torch;

namespace Spotter.Training;

/// <summary>Accumulates metrics over batches of one evaluation pass.</summary>
public interface IMetrics
{
    void Add(Tensor output, Batch batch);

    /// <summary>Name -> value, e.g. accuracy, l1, mean_iou, map50.</summary>
    IReadOnlyDictionary<string, double> Result();

    /// <summary>The metric that picks the best checkpoint, and whether higher is better.</summary>
    (string Name, bool HigherIsBetter) Primary { get; }
}
