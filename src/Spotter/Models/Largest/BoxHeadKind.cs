using System.Text.Json.Serialization;

namespace Spotter.Models.Largest;

/// <summary>The box head of the largest-object models: per-cell proposals and votes (<see cref="CellVoteHead"/>) or the lessons' flatten -> linear.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<BoxHeadKind>))]
public enum BoxHeadKind
{
    [JsonStringEnumMemberName("cells")] Cells,
    [JsonStringEnumMemberName("lesson")] Lesson,
}
