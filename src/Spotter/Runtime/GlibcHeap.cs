using System.Runtime.InteropServices;

namespace Spotter.Runtime;

/// <summary>
/// Keeps the memory a training step frees inside the process instead of handing it back to the
/// kernel. libtorch allocates its CPU tensors with glibc's malloc, whose defaults return the free
/// space at the top of a heap once it passes the trim threshold (at most 64 MB) and serve large
/// blocks from fresh mappings. A step frees and allocates the same few hundred megabytes of
/// activations and gradients, so under those defaults every step faults them in again, a 4 KB
/// page at a time: millions of page faults an epoch and a sixth of the CPU time in the kernel.
/// With the trim threshold at 2 GB and the mmap threshold fixed at glibc's largest, 32 MB, the
/// freed blocks are reused; the process keeps its peak working set instead of shrinking between
/// steps. A thread other than the main one allocates from its own arena of 64 MB heaps, which
/// glibc deletes once they are empty unless the top pad is a whole heap; so the pad is 64 MB
/// (address space only: a page costs memory once it is touched). Measured: the demo 0.68x of its
/// time, the same numbers (README, "Performance").
/// </summary>
public static class GlibcHeap
{
    private const int TrimThresholdOption = -1;   // M_TRIM_THRESHOLD
    private const int TopPadOption = -2;          // M_TOP_PAD
    private const int MmapThresholdOption = -3;   // M_MMAP_THRESHOLD
    /// <summary>glibc refuses a larger mmap threshold on 64-bit systems (half its 64 MB heap size).</summary>
    public const int MmapThreshold = 32 << 20;
    public const int TrimThreshold = int.MaxValue;
    /// <summary>The size of a thread arena's heap on 64-bit glibc.</summary>
    public const int TopPad = 64 << 20;

    private static readonly object Gate = new();
    private static bool _done;

    /// <summary>What <see cref="KeepFreedMemory"/> did, for `spotter info`.</summary>
    public static string State { get; private set; } = "glibc defaults (not tuned yet)";

    /// <summary>True when glibc accepted all three settings.</summary>
    public static bool Tuned { get; private set; }

    /// <summary>
    /// Applies the settings once per process, on Linux, unless the user set glibc's malloc
    /// environment variables or tunables, which then win.
    /// </summary>
    public static void KeepFreedMemory()
    {
        lock (Gate)
        {
            if (_done) return;
            _done = true;
            if (!OperatingSystem.IsLinux())
            {
                State = "not glibc: the platform's allocator as it is";
                return;
            }
            if (UserSetMallocOptions())
            {
                State = "glibc, as set by MALLOC_*_ or GLIBC_TUNABLES in the environment";
                return;
            }
            try
            {
                Tuned = Mallopt(MmapThresholdOption, MmapThreshold) == 1
                        & Mallopt(TrimThresholdOption, TrimThreshold) == 1
                        & Mallopt(TopPadOption, TopPad) == 1;
                State = Tuned
                    ? "glibc keeps freed memory for reuse (trim threshold 2 GB, mmap threshold 32 MB, top pad 64 MB)"
                    : "glibc refused the settings: its defaults";
            }
            catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
            {
                State = "no mallopt (not glibc): the C library's allocator as it is";
            }
        }
    }

    private static bool UserSetMallocOptions() =>
        Environment.GetEnvironmentVariable("MALLOC_TRIM_THRESHOLD_") is not null
        || Environment.GetEnvironmentVariable("MALLOC_MMAP_THRESHOLD_") is not null
        || Environment.GetEnvironmentVariable("MALLOC_TOP_PAD_") is not null
        || (Environment.GetEnvironmentVariable("GLIBC_TUNABLES") ?? "").Contains("glibc.malloc.", StringComparison.Ordinal);

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int Mallopt(int option, int value);
}
