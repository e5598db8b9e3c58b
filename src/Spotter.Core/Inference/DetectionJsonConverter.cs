using System.Text.Json;
using System.Text.Json.Serialization;
using Spotter.Boxes;

namespace Spotter.Inference;

/// <summary>
/// A <see cref="Detection"/> as detections.json and the HTTP API hold it: class name, score and
/// box corners in pixels. The class index is not written; one read back has index -1.
/// </summary>
public sealed class DetectionJsonConverter : JsonConverter<Detection>
{
    public override void Write(Utf8JsonWriter writer, Detection value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString("class", value.Class);
        writer.WriteNumber("score", value.Score);
        writer.WriteStartArray("box");
        foreach (var v in new[] { value.Box.X1, value.Box.Y1, value.Box.X2, value.Box.Y2 }) writer.WriteNumberValue(v);
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    public override Detection Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        var box = root.GetProperty("box").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        if (box.Length != 4) throw new JsonException("a detection's box has four numbers");
        return new Detection(root.GetProperty("class").GetString() ?? "", -1, root.GetProperty("score").GetSingle(), new Box(box[0], box[1], box[2], box[3]));
    }
}
