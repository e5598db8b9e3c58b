using System.Text.Json.Serialization;

namespace Spotter.Models.Ssd;

/// <summary>How training decides which anchors learn which true box.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AnchorMatchKind>))]
public enum AnchorMatchKind
{
    /// <summary>Fixed IoU thresholds (<c>--positive-iou</c>, <c>--negative-iou</c>), as SSD and RetinaNet (<see cref="Boxes.AnchorMatcher"/>).</summary>
    [JsonStringEnumMemberName("iou")] Iou,

    /// <summary>ATSS: each box's own threshold from the IoUs of the anchors near its centre (<see cref="Boxes.AdaptiveAnchorMatcher"/>).</summary>
    [JsonStringEnumMemberName("atss")] Atss,
}
