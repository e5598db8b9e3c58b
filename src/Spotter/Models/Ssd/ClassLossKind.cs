using System.Text.Json.Serialization;

namespace Spotter.Models.Ssd;

/// <summary>
/// What the detector's class logits learn for a matched anchor: 1 for its class (focal loss, as
/// RetinaNet), or the IoU its decoded box reaches with the true box (quality focal loss, after
/// Li et al.'s Generalized Focal Loss), so that the score also says how well the box fits and NMS,
/// box voting and mAP's ranking prefer the better-placed of two boxes on one object.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<ClassLossKind>))]
public enum ClassLossKind
{
    [JsonStringEnumMemberName("focal")] Focal,
    [JsonStringEnumMemberName("quality")] Quality,
}
