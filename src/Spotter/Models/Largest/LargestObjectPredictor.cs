using Spotter.Boxes;
using Spotter.Data;
using Spotter.Data.Loading;
using Spotter.Visualization;
using TorchSharp;
using static TorchSharp.torch;

namespace Spotter.Models.Largest;

/// <summary>
/// Runs a largest-object model on image files of any size: each is squashed to the model's
/// input size, and the predicted box is mapped back to the original image's pixels.
/// </summary>
public sealed class LargestObjectPredictor(LargestObjectModel model, Device device)
{
    public sealed record Prediction(string Path, int Width, int Height, PredictedBox Box);

    public IEnumerable<Prediction> Predict(IReadOnlyList<string> paths, int batchSize = 16)
    {
        model.eval();
        for (var start = 0; start < paths.Count; start += batchSize)
        {
            var chunk = paths.Skip(start).Take(batchSize).ToList();
            var records = chunk.Select(p =>
            {
                var info = ImageFile.Probe(p);
                return new ImageRecord(p, p, info.Width, info.Height, []);
            }).ToList();
            using var store = new ImageStore(model.InputSize, 0); // nothing cached: each image is seen once
            var loader = new BatchLoader(records, store, AugmentOptions.None(model.InputSize), records.Count, shuffle: false);
            using var batch = loader.Epoch(0).First();
            batch.MoveTo(device);
            var raw = model.Predict(batch.Images);
            for (var i = 0; i < records.Count; i++)
                yield return new Prediction(records[i].Path, records[i].Width, records[i].Height,
                    ToOriginal(raw[i], records[i].Width, records[i].Height, model.InputSize));
        }
    }

    /// <summary>
    /// From input pixels to the original image's pixels (the squash scales x and y apart). A
    /// class-only model gets the whole image as its box.
    /// </summary>
    public static PredictedBox ToOriginal((int ClassIndex, float Score, Box? Box) p, int width, int height, int inputSize)
    {
        var box = p.Box is { } b
            ? b.Scale((float)width / inputSize, (float)height / inputSize).ClipTo(width, height)
            : new Box(0, 0, width, height);
        return new PredictedBox(p.ClassIndex, box, p.Score); // class -1: a box-only model
    }
}
