using System.Text.Json.Serialization;

namespace Spotter;

/// <summary>
/// What a model predicts. The lesson-8 tasks find the largest object (its class, its box, or both
/// with one model); <see cref="Detect"/> finds every object. The names in brackets are the ones
/// users type and files hold (<see cref="EnumNames"/>).
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<ModelTask>))]
public enum ModelTask
{
    [JsonStringEnumMemberName("classify-largest")] ClassifyLargest,
    [JsonStringEnumMemberName("locate-largest")] LocateLargest,
    [JsonStringEnumMemberName("largest")] Largest,
    [JsonStringEnumMemberName("detect")] Detect,
}
