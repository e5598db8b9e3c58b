using System.Text.Json.Serialization;

namespace Spotter.Models.Ssd;

/// <summary>Which feature maps a detector predicts from, and their anchors' default zooms, ratios and scale.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AnchorLayout>))]
public enum AnchorLayout
{
    /// <summary>The body's maps at strides 8, 16 and 32 plus one extra stride-2 block (64); anchors 3 cells wide,
    /// zooms 0.7, 1, 1.4, ratios 1:1, 1:2, 2:1 (small objects get anchors from the stride-8 map).</summary>
    [JsonStringEnumMemberName("default")] Default,

    /// <summary>Lesson 9: three extra stride-2 blocks after the last map (4x4, 2x2, 1x1 at 224), zooms 0.7, 1, 1.3, 1 cell wide.</summary>
    [JsonStringEnumMemberName("lesson")] Lesson,
}
