namespace Spotter.Runtime;

/// <summary>
/// What this machine's CPU is and which of the instruction sets that matter for deep learning it
/// has (from /proc/cpuinfo on Linux): timings mean little without the CPU's name, and bf16 compute
/// only pays where the chip does bf16 arithmetic (AVX-512 BF16 or AMX).
/// </summary>
public sealed record CpuFeatures(string Name, IReadOnlySet<string> Flags, string Vendor = "", int Family = 0)
{
    /// <summary>The flags reported (when present), in a fixed order.</summary>
    public static readonly string[] Interesting = ["avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "amx_bf16", "amx_tile"];

    public static CpuFeatures Current { get; } = Read();

    public bool HasBf16Hardware => Flags.Contains("avx512_bf16") || Flags.Contains("amx_bf16");

    /// <summary>
    /// AMD Zen 5 (family 1Ah) with AVX-512: libtorch's oneDNN NCHW backward convolutions return NaN
    /// there now and then in fp32 and on nearly every step in bf16, so training computes channels-last
    /// (<see cref="TrainingKernels"/>), the learner computes a faulty step again, and bf16 training is
    /// refused (README, "AMD Zen 5").
    /// </summary>
    public bool HasFaultyBackwardConvolutions => Vendor == "AuthenticAMD" && Family == 0x1A && Flags.Contains("avx512f");

    public string Describe() => $"{Name}{(Family > 0 ? $" (family {Family})" : "")}; {string.Join(" ", Interesting.Where(Flags.Contains))}";

    private static CpuFeatures Read()
    {
        try
        {
            var lines = File.ReadLines("/proc/cpuinfo").Take(64).ToList();
            string? Field(string key) => lines.FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal))?.Split(':', 2)[1].Trim();
            var flags = (Field("flags") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
            var family = int.TryParse(Field("cpu family"), out var f) ? f : 0;
            return new CpuFeatures(Field("model name") ?? "unknown CPU", flags, Field("vendor_id") ?? "", family);
        }
        catch (IOException)
        {
            return new CpuFeatures("unknown CPU", new HashSet<string>());
        }
    }
}
