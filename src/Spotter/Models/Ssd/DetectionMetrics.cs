using Spotter.Data.Loading;
using Spotter.Evaluation;
using Spotter.Training;
using static TorchSharp.torch;

namespace Spotter.Models.Ssd;

/// <summary>
/// A detector's validation loss and mAP (VOC all-point and 11-point at IoU 0.5, COCO 0.5:0.95)
/// while it trains, from its raw output on the validation batches, in input pixels.
/// </summary>
public sealed class DetectionMetrics(SsdModel model) : IMetrics
{
    private readonly List<EvaluatedImage> _images = [];
    private double _loss;
    private int _batches;

    public (string Name, bool HigherIsBetter) Primary => ("map50", true);

    public void Add(Tensor output, Batch batch)
    {
        using var scope = NewDisposeScope();
        _loss += model.Loss(output, batch).item<float>();
        _batches++;
        var detections = model.Decode(output);
        for (var i = 0; i < batch.Count; i++)
        {
            var record = batch.Records[i];
            var truth = batch.Boxes[i].Select((b, k) => new TruthBox(batch.Classes[i][k], b, record.Objects[k].Difficult, record.Objects[k].Crowd)).ToList();
            _images.Add(new EvaluatedImage(truth, detections[i]));
        }
    }

    public IReadOnlyDictionary<string, double> Result()
    {
        var report = MeanAveragePrecision.Evaluate(_images, model.Spec.Classes);
        return new Dictionary<string, double>
        {
            ["valid_loss"] = _loss / Math.Max(1, _batches),
            ["map50"] = report.Map50,
            ["map50_voc07"] = report.Map50Voc07,
            ["map50_95"] = report.Map50To95,
        };
    }
}
