using System.Text.Json.Serialization;

namespace Spotter.Models.Ssd;

/// <summary>
/// What the detector's box loss compares: the encoded offsets (smooth L1, SSD's and RetinaNet's
/// loss) or the decoded boxes themselves (1 - generalised IoU, which is what mAP's IoU thresholds
/// reward, and the same for a box of any size).
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<BoxLossKind>))]
public enum BoxLossKind
{
    [JsonStringEnumMemberName("smooth-l1")] SmoothL1,
    [JsonStringEnumMemberName("giou")] Giou,
}
