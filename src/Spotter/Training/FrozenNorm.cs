using System.Text.Json.Serialization;

namespace Spotter.Training;

/// <summary>
/// Which batch norms keep their statistics while training (<c>--frozen-norm</c>): they run in
/// eval mode, so training normalises exactly as validation and the saved model do; their scale
/// and shift still learn.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<FrozenNorm>))]
public enum FrozenNorm
{
    /// <summary>Every unfrozen batch norm follows its batches (the usual training mode).</summary>
    [JsonStringEnumMemberName("none")] None,

    /// <summary>The body's (every layer group but the last) keep the backbone's pretrained statistics.</summary>
    [JsonStringEnumMemberName("body")] Body,

    /// <summary>
    /// All of them: the body's keep the pretrained statistics, and the head's keep their initial
    /// ones (mean 0, variance 1), so the head's norms are plain learned scales and shifts.
    /// </summary>
    [JsonStringEnumMemberName("all")] All,
}
