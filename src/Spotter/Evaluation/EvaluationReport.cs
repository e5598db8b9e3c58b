namespace Spotter.Evaluation;

/// <summary>
/// A model's metrics on a set of images: the mAP report for a detector, the largest-object scores
/// otherwise. <see cref="ToJson"/> is the shape of <c>spotter eval --json</c> and eval.json.
/// </summary>
public sealed record EvaluationReport(ModelTask Task, int Images, MapReport? Map, LargestObjectScores? Largest)
{
    /// <summary>The metrics by name: map50, map50_voc07, map50_95 for a detector; accuracy, l1, mean_iou as the task has them.</summary>
    public IReadOnlyDictionary<string, double> Metrics
    {
        get
        {
            if (Map is { } map) return new Dictionary<string, double> { ["map50"] = map.Map50, ["map50_voc07"] = map.Map50Voc07, ["map50_95"] = map.Map50To95 };
            var scores = Largest!;
            var metrics = new Dictionary<string, double>();
            if (Task.PredictsClass()) metrics["accuracy"] = scores.Accuracy;
            if (Task.PredictsBox())
            {
                metrics["l1"] = scores.L1;
                metrics["mean_iou"] = scores.MeanIou;
            }
            return metrics;
        }
    }

    /// <summary>
    /// detect: map50 (VOC all-point), map50_voc07, map50_95 (COCO), map_small/medium/large, per_class
    /// AP at 0.5; largest-object tasks: accuracy, l1, mean_iou; both: images. Non-finite values are null.
    /// </summary>
    public Dictionary<string, object?> ToJson()
    {
        var json = Metrics.ToDictionary(m => m.Key, m => double.IsFinite(m.Value) ? (object?)m.Value : null);
        if (Map is { } map)
        {
            json["map_small"] = map.MapSmall;
            json["map_medium"] = map.MapMedium;
            json["map_large"] = map.MapLarge;
            json["per_class"] = map.PerClassAp50;
        }
        json["images"] = Images;
        return json;
    }
}
