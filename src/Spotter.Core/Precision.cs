using System.Text.Json.Serialization;

namespace Spotter;

/// <summary>
/// The number format a model computes in. <see cref="Auto"/> is bf16 where the hardware does bf16
/// arithmetic (AVX-512 BF16 or AMX on a CPU) and fp32 elsewhere.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<Precision>))]
public enum Precision
{
    [JsonStringEnumMemberName("auto")] Auto,
    [JsonStringEnumMemberName("fp32")] Fp32,
    [JsonStringEnumMemberName("bf16")] Bf16,
}
