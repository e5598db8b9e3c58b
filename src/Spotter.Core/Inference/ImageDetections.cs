using System.Text.Json;
using System.Text.Json.Serialization;

namespace Spotter.Inference;

/// <summary>
/// One image's detections, boxes in its own pixels: an entry of detections.json
/// (<c>{"image", "width", "height", "detections": [...]}</c>) and of the HTTP API's answer.
/// </summary>
public sealed record ImageDetections(
    [property: JsonPropertyName("image")] string? Image,
    [property: JsonPropertyName("width")] int Width,
    [property: JsonPropertyName("height")] int Height,
    [property: JsonPropertyName("detections")] IReadOnlyList<Detection> Detections)
{
    public const string FileName = "detections.json";

    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>detections.json's text: a list with one entry per image.</summary>
    public static string ToJson(IReadOnlyList<ImageDetections> images) => JsonSerializer.Serialize(images, Json);

    public static IReadOnlyList<ImageDetections> FromJson(string json) =>
        JsonSerializer.Deserialize<List<ImageDetections>>(json, Json) ?? throw new JsonException("empty detections list");
}
