using System.Text.Json.Serialization;

namespace Spotter.Server;

/// <summary>POST /detect's answer: one detections.json entry (boxes in the image's pixels) and the time taken.</summary>
public sealed record DetectResponse(
    [property: JsonPropertyName("width")] int Width,
    [property: JsonPropertyName("height")] int Height,
    [property: JsonPropertyName("detections")] IReadOnlyList<Detection> Detections,
    [property: JsonPropertyName("ms")] double Milliseconds);
