using System.Runtime.InteropServices;
using TorchSharp;

namespace Spotter.Runtime;

/// <summary>
/// Loads libtorch once, before the first tensor, and turns a load failure into one line that
/// says what failed and what to do (TorchSharp's own message blames a missing package reference
/// even when the real cause is the system's libstdc++).
/// </summary>
public static class TorchRuntime
{
    private const string NativeBridge = "libLibTorchSharp.so";
    private static readonly object Gate = new();
    private static bool _loaded;
    private static bool _cudaAvailable;

    /// <summary>True when a CUDA-enabled libtorch was loaded and sees a GPU.</summary>
    public static bool CudaAvailable
    {
        get { EnsureLoaded(); return _cudaAvailable; }
    }

    /// <summary>Loads libtorch (with CUDA when <paramref name="wantCuda"/> and available).</summary>
    /// <exception cref="SpotterException">libtorch cannot be loaded on this machine.</exception>
    public static void EnsureLoaded(bool wantCuda = false)
    {
        lock (Gate)
        {
            if (_loaded && (!wantCuda || _cudaAvailable)) return;
            GlibcHeap.KeepFreedMemory();
            try
            {
                if (wantCuda && torch.TryInitializeDeviceType(DeviceType.CUDA))
                    _cudaAvailable = torch.cuda.is_available();
                else
                    torch.InitializeDeviceType(DeviceType.CPU);
                _loaded = true;
                TurnOffNnpack();
            }
            catch (Exception e) when (e is not SpotterException)
            {
                throw new SpotterException(DescribeLoadFailure(e), e);
            }
        }
    }

    /// <summary>
    /// libtorch tries NNPACK for batch-1 convolutions of small inputs, and on a CPU its NNPACK does
    /// not know (AMD Zen 5) prints "Could not initialize NNPACK! Reason: Unsupported hardware" at
    /// every such call. Those convolutions are tiny and oneDNN or the plain kernel computes them,
    /// so NNPACK is turned off (Linux x64, where the symbol's name is known).
    /// </summary>
    private static void TurnOffNnpack()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) return;
        try
        {
            SetUserEnabledNnpack(GlobalContext(), false);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            // Another libtorch build: its warnings stay, nothing else changes.
        }
    }

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at13globalContextEv")]
    private static extern IntPtr GlobalContext();

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledNNPACKEb")]
    private static extern void SetUserEnabledNnpack(IntPtr context, [MarshalAs(UnmanagedType.I1)] bool enabled);

    /// <summary>The libtorch version TorchSharp is built against (e.g. 2.10.0).</summary>
    public static string LibTorchVersion
    {
        get
        {
            EnsureLoaded();
            var raw = torch.__version__;
            return Version.TryParse(raw, out var v) ? v.ToString(3) : raw;
        }
    }

    public static string TorchSharpVersion =>
        typeof(torch).Assembly.GetName().Version?.ToString(3) ?? "unknown";

    private static string DescribeLoadFailure(Exception e)
    {
        var reason = NativeLoadError() ?? FirstLine(e.InnerException?.Message ?? e.Message);
        var hint = reason.Contains("GLIBCXX", StringComparison.Ordinal)
            ? "the build normally writes a corrected copy of it next to the app: rebuild with 'dotnet build', or install a libstdc++ from GCC 13 or newer"
            : "check that the build output holds runtimes/linux-x64/native (rebuild with 'dotnet build'), and that this is Linux x64, Windows x64 or macOS arm64";
        return $"libtorch could not be loaded ({reason}); {hint}.";
    }

    // Asks the loader directly, to get dlopen's own reason (e.g. a missing GLIBCXX version).
    private static string? NativeLoadError()
    {
        foreach (var path in CandidateBridgePaths())
        {
            if (!File.Exists(path)) continue;
            try
            {
                NativeLibrary.Free(NativeLibrary.Load(path));
            }
            catch (DllNotFoundException dll)
            {
                return FirstLine(dll.Message);
            }
        }
        return null;
    }

    private static IEnumerable<string> CandidateBridgePaths()
    {
        var baseDir = AppContext.BaseDirectory;
        yield return Path.Combine(baseDir, NativeBridge);
        yield return Path.Combine(baseDir, "runtimes", "linux-x64", "native", NativeBridge);
    }

    private static string FirstLine(string text)
    {
        var line = text.Split('\n', 2)[0].Trim();
        return line.Length == 0 ? "unknown reason" : line;
    }
}
