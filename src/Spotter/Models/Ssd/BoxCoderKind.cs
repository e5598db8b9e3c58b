using System.Text.Json.Serialization;

namespace Spotter.Models.Ssd;

/// <summary>How a detector's box activations become boxes (<see cref="Boxes.SsdBoxCoder"/>, <see cref="Boxes.LessonBoxCoder"/>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<BoxCoderKind>))]
public enum BoxCoderKind
{
    [JsonStringEnumMemberName("ssd")] Ssd,
    [JsonStringEnumMemberName("lesson")] Lesson,
}
