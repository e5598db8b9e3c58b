using System.Text.Json.Serialization;

namespace Spotter.Models.Ssd;

/// <summary>
/// What sits between the body's feature maps and the heads: nothing (each head reads its stage as
/// the body made it, as SSD does), or a feature pyramid (Lin et al., FPN: each stage projected to
/// one width and given the upsampled coarser maps, so the fine stride-8 map, which finds the
/// small objects, also carries the deep stages' meaning).
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<NeckKind>))]
public enum NeckKind
{
    [JsonStringEnumMemberName("none")] None,
    [JsonStringEnumMemberName("fpn")] Fpn,
}
