namespace Spotter.Runtime;

/// <summary>
/// What this machine's CPU is and which of the instruction sets that matter for deep learning it
/// has (from /proc/cpuinfo on Linux): timings mean little without the CPU's name, and bf16 compute
/// only pays where the chip does bf16 arithmetic (AVX-512 BF16 or AMX).
/// </summary>
public sealed record CpuFeatures(string Name, IReadOnlySet<string> Flags)
{
    /// <summary>The flags reported (when present), in a fixed order.</summary>
    public static readonly string[] Interesting = ["avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "amx_bf16", "amx_tile"];

    public static CpuFeatures Current { get; } = Read();

    public bool HasBf16Hardware => Flags.Contains("avx512_bf16") || Flags.Contains("amx_bf16");

    public string Describe() => $"{Name}; {string.Join(" ", Interesting.Where(Flags.Contains))}";

    private static CpuFeatures Read()
    {
        try
        {
            var lines = File.ReadLines("/proc/cpuinfo").Take(64).ToList();
            string? Field(string key) => lines.FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal))?.Split(':', 2)[1].Trim();
            var flags = (Field("flags") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
            return new CpuFeatures(Field("model name") ?? "unknown CPU", flags);
        }
        catch (IOException)
        {
            return new CpuFeatures("unknown CPU", new HashSet<string>());
        }
    }
}
