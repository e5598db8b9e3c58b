using System.Text.Json.Serialization;

namespace Spotter.Training;

/// <summary>The optimiser: AdamW (decoupled weight decay) or SGD with momentum.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OptimizerKind>))]
public enum OptimizerKind
{
    [JsonStringEnumMemberName("adamw")] AdamW,
    [JsonStringEnumMemberName("sgd")] Sgd,
}
