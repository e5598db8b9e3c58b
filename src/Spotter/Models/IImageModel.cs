using Spotter.Training;
using static TorchSharp.torch;

namespace Spotter.Models;

/// <summary>
/// A TorchSharp model that looks at S x S images and returns detections: the largest-object
/// models (one per image) and the detector (every object). Made by <see cref="ModelFactory"/>
/// from its <see cref="Spec"/>.
/// </summary>
public interface IImageModel : ITrainable, IDisposable
{
    ModelSpec Spec { get; }

    int InputSize { get; }

    /// <summary>Per image of the batch (N x 3 x S x S, RGB 0..1): detections in input pixels, best first.</summary>
    IReadOnlyList<IReadOnlyList<Detection>> PredictBatch(Tensor images);
}
