using Spotter.Boxes;
using Spotter.Data.Loading;
using Spotter.Training;
using static TorchSharp.torch;

namespace Spotter.Models.Largest;

/// <summary>
/// Accuracy of the largest object's class; L1 (mean absolute corner error in input pixels, the
/// lessons' number) and mean IoU of its box; and the mean loss.
/// </summary>
public sealed class LargestObjectMetrics(LargestObjectModel model) : IMetrics
{
    private double _loss, _correct, _l1, _iou;
    private int _images, _batches;

    public (string Name, bool HigherIsBetter) Primary => model.Task switch
    {
        ModelTask.ClassifyLargest => ("accuracy", true),
        ModelTask.LocateLargest => ("mean_iou", true),
        _ => ("valid_loss", false),
    };

    public void Add(Tensor output, Batch batch)
    {
        using var scope = NewDisposeScope();
        _loss += model.Loss(output, batch).item<float>();
        _batches++;
        var (boxes, logits) = model.Decode(output);
        if (logits is not null)
            _correct += logits.argmax(1).eq(batch.LargestClasses(output.device)).sum().item<long>();
        if (boxes is not null)
        {
            var truth = batch.LargestBoxes(output.device);
            _l1 += (boxes - truth).abs().mean([1]).sum().item<float>();
            _iou += BoxOps.AlignedIou(boxes, truth).sum().item<float>();
        }
        _images += batch.Count;
    }

    public IReadOnlyDictionary<string, double> Result()
    {
        var result = new Dictionary<string, double> { ["valid_loss"] = _loss / Math.Max(1, _batches) };
        if (model.Task.PredictsClass()) result["accuracy"] = _correct / Math.Max(1, _images);
        if (model.Task.PredictsBox())
        {
            result["l1"] = _l1 / Math.Max(1, _images);
            result["mean_iou"] = _iou / Math.Max(1, _images);
        }
        return result;
    }
}
