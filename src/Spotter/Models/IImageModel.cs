using Spotter.Training;
using Spotter.Visualization;
using static TorchSharp.torch;

namespace Spotter.Models;

/// <summary>
/// A trained model that looks at Size x Size images and returns boxes: the largest-object models
/// (one box per image) and the detector (every object).
/// </summary>
public interface IImageModel : ITrainable, IDisposable
{
    int InputSize { get; }

    /// <summary>Per image of the batch: predicted boxes in input pixels, best first.</summary>
    IReadOnlyList<IReadOnlyList<PredictedBox>> PredictBatch(Tensor images);

    /// <summary>What model.json records about this model.</summary>
    ModelInfo Describe(string backbone, IReadOnlyList<string> classes);
}
