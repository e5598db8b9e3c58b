using System.Text.Json.Serialization;

namespace Spotter.Training;

/// <summary>The learning-rate schedule of each training phase (<see cref="Schedules"/>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ScheduleKind>))]
public enum ScheduleKind
{
    [JsonStringEnumMemberName("one-cycle")] OneCycle,
    [JsonStringEnumMemberName("sgdr")] Sgdr,
    [JsonStringEnumMemberName("constant")] Constant,
}
