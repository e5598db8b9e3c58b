using Spotter.Data;
using Spotter.Data.Loading;
using Spotter.Evaluation;
using Spotter.Models.Detection;
using static TorchSharp.torch;

namespace Spotter.Training;

/// <summary>Metrics of a model on data, and fitting a dataset's classes to a model's.</summary>
public static class ModelEvaluation
{
    public static IReadOnlyDictionary<string, double> Run(ITrainable model, BatchLoader data, Device device)
    {
        model.Module.eval();
        using var _ = no_grad();
        var metrics = model.NewMetrics();
        foreach (var batch in data.Epoch(0))
        {
            using (batch)
            using (var scope = NewDisposeScope())
            {
                batch.MoveTo(device);
                metrics.Add(model.Module.forward(batch.Images), batch);
            }
        }
        return metrics.Result();
    }

    /// <summary>A detector's full mAP report on data, with the classes named.</summary>
    public static MapReport Detections(SsdModel model, BatchLoader data, IReadOnlyList<string> classes, Device device)
    {
        model.eval();
        using var _ = no_grad();
        var metrics = new DetectionMetrics(model);
        foreach (var batch in data.Epoch(0))
        {
            using (batch)
            using (var scope = NewDisposeScope())
            {
                batch.MoveTo(device);
                metrics.Add(model.forward(batch.Images), batch);
            }
        }
        return MeanAveragePrecision.Evaluate(metrics.Images, classes);
    }

    /// <summary>eval.json / eval --json: map50 (VOC all-point), map50_voc07, map50_95 (COCO), sizes, per_class AP at 0.5.</summary>
    public static Dictionary<string, object?> ToJson(MapReport report) => new()
    {
        ["map50"] = report.Map50,
        ["map50_voc07"] = report.Map50Voc07,
        ["map50_95"] = report.Map50To95,
        ["map_small"] = report.MapSmall,
        ["map_medium"] = report.MapMedium,
        ["map_large"] = report.MapLarge,
        ["per_class"] = report.PerClassAp50,
    };

    /// <summary>
    /// Renumbers a dataset's objects to a model's class list, by name, so a model can be
    /// evaluated on data whose class order differs. A class the model does not know is an error.
    /// </summary>
    public static IReadOnlyList<ImageRecord> ToModelClasses(Dataset dataset, IReadOnlyList<ImageRecord> images, IReadOnlyList<string> modelClasses)
    {
        var map = dataset.Classes.Select(name => modelClasses.ToList().IndexOf(name)).ToArray();
        var unknown = dataset.Classes.Where((_, i) => map[i] < 0 && images.Any(im => im.Objects.Any(o => o.ClassIndex == i))).ToList();
        if (unknown.Count > 0)
            throw new SpotterException($"{dataset.Source}: class(es) {string.Join(", ", unknown)} are not among the model's classes ({string.Join(", ", modelClasses)})");
        return images.Select(im => im with { Objects = im.Objects.Select(o => o with { ClassIndex = map[o.ClassIndex] }).ToList() }).ToList();
    }
}
