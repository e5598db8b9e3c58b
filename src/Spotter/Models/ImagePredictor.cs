using Spotter.Boxes;
using Spotter.Data;
using Spotter.Data.Loading;
using Spotter.Visualization;
using static TorchSharp.torch;

namespace Spotter.Models;

/// <summary>
/// Runs a model on image files of any size: each is squashed to the model's input size, and the
/// boxes are mapped back to the original image's pixels.
/// </summary>
public sealed class ImagePredictor(IImageModel model, Device device)
{
    public sealed record Prediction(string Path, int Width, int Height, IReadOnlyList<PredictedBox> Boxes);

    public IEnumerable<Prediction> Predict(IReadOnlyList<string> paths, int batchSize = 16)
    {
        model.Module.eval();
        for (var start = 0; start < paths.Count; start += batchSize)
        {
            var records = paths.Skip(start).Take(batchSize).Select(p =>
            {
                var info = ImageFile.Probe(p);
                return new ImageRecord(p, p, info.Width, info.Height, []);
            }).ToList();
            using var store = new ImageStore(model.InputSize, 0); // each image is seen once: nothing to cache
            var loader = new BatchLoader(records, store, AugmentOptions.None(model.InputSize), records.Count, shuffle: false);
            using var batch = loader.Epoch(0).First();
            batch.MoveTo(device);
            var predicted = model.PredictBatch(batch.Images);
            for (var i = 0; i < records.Count; i++)
                yield return new Prediction(records[i].Path, records[i].Width, records[i].Height,
                    predicted[i].Select(p => ToOriginal(p, records[i].Width, records[i].Height, model.InputSize)).ToList());
        }
    }

    /// <summary>From input pixels to the original image's pixels (the squash scales x and y apart).</summary>
    public static PredictedBox ToOriginal(PredictedBox p, int width, int height, int inputSize) =>
        p with { Box = p.Box.Scale((float)width / inputSize, (float)height / inputSize).ClipTo(width, height) };
}
