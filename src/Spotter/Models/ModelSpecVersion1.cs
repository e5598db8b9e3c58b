using System.Text.Json.Nodes;

namespace Spotter.Models;

/// <summary>
/// model.json as Spotter 0.1 wrote it (format version 1): head settings flat at the top
/// (class_loss_weight, head_dropout, box_head; no box_head meant the lessons' head) and the
/// detector's as C# names (Anchors, Coder, Zooms ...). Converted to version 2 on reading, so old
/// run folders still load.
/// </summary>
internal static class ModelSpecVersion1
{
    public static JsonObject Upgrade(JsonObject old)
    {
        var upgraded = new JsonObject();
        foreach (var key in new[] { "format", "task", "backbone", "classes", "input_size", "spotter_version" })
            if (old[key] is { } value) upgraded[key] = value.DeepClone();
        upgraded["version"] = ModelSpec.CurrentVersion;
        if ((string?)old["task"] == "detect")
        {
            var settings = old["detector"] as JsonObject ?? [];
            var lesson = (string?)settings["Anchors"] == "lesson";
            var detector = new JsonObject
            {
                ["anchors"] = (string?)settings["Anchors"] ?? "default",
                ["box_coder"] = (string?)settings["Coder"] ?? "ssd",
            };
            Copy(settings, detector, ("PositiveIou", "positive_iou"), ("NegativeIou", "negative_iou"), ("FocalAlpha", "focal_alpha"),
                ("FocalGamma", "focal_gamma"), ("ScoreThreshold", "score_threshold"), ("NmsIou", "nms_iou"), ("MaxDetections", "max_detections"));
            // Version 1 ignored these with the lesson layout (it used the lesson's own preset).
            if (!lesson) Copy(settings, detector, ("Zooms", "anchor_zooms"), ("Ratios", "anchor_ratios"), ("AnchorScale", "anchor_scale"));
            upgraded["detector"] = detector;
        }
        else
        {
            var largest = new JsonObject { ["box_head"] = (string?)old["box_head"] ?? "lesson" };
            Copy(old, largest, ("class_loss_weight", "class_loss_weight"), ("head_dropout", "head_dropout"));
            upgraded["largest"] = largest;
        }
        return upgraded;
    }

    private static void Copy(JsonObject from, JsonObject to, params (string From, string To)[] keys)
    {
        foreach (var (source, target) in keys)
            if (from[source] is { } value) to[target] = value.DeepClone();
    }
}
