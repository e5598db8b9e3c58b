using System.Runtime.InteropServices;

namespace Spotter.Runtime;

/// <summary>
/// Keeps training off oneDNN's AVX-512 backward convolutions on a CPU where they return NaN
/// (AMD Zen 5: measured in the README's "AMD Zen 5" section; the same calls are exact with AVX2).
/// oneDNN reads its instruction-set cap once, at its first primitive, so the cap is set in the
/// process's native environment before training builds one; a cap the user set is left alone.
/// </summary>
public static class OneDnnGuard
{
    public const string Variable = "ONEDNN_MAX_CPU_ISA";

    /// <summary>Whether this process capped oneDNN at AVX2.</summary>
    public static bool Capped { get; private set; }

    /// <summary>
    /// Caps oneDNN at AVX2 when this CPU needs it and the user set no cap; returns the line that says
    /// so the first time, null otherwise. Effective only before the process's first convolution.
    /// </summary>
    public static string? CapForTraining()
    {
        if (Capped || !OperatingSystem.IsLinux() || !CpuFeatures.Current.HasFaultyAvx512Backward) return null;
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable))) return null;
        if (SetNative(Variable, "AVX2", 0) != 0) return null;
        Environment.SetEnvironmentVariable(Variable, "AVX2");
        Capped = true;
        return $"This CPU ({CpuFeatures.Current.Name}, AMD family 1Ah) gets NaN from oneDNN's AVX-512 backward convolutions, " +
            $"so training uses its AVX2 kernels (about 30 % slower; {Variable}=AVX512_CORE_BF16 overrides)";
    }

    // .NET's Environment.SetEnvironmentVariable does not reach the native environment that libtorch reads.
    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetNative([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);
}
