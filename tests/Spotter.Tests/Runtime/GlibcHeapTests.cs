using System.Runtime.InteropServices;
using Spotter.Runtime;
using Spotter.Tests.Training;

namespace Spotter.Tests.Runtime;

/// <summary>
/// A training step frees its activations and allocates them again; with glibc's defaults the
/// freed top of the heap goes back to the kernel and every page faults in again. Once libtorch is
/// loaded, the second round of the same allocations must reuse the pages of the first. Tests run on
/// pool threads, as `serve`'s requests do, so this checks a thread arena's heaps, the harder case
/// (the main thread's heap needs only the trim threshold; the arenas need the top pad too).
/// Runs alone so no other test's allocations take the freed blocks in between.
/// </summary>
[Collection(nameof(SerialCollection))]
public sealed class GlibcHeapTests
{
    private const int Blocks = 24;
    private const int BlockBytes = 8 << 20;
    private const int PageBytes = 4096;

    [Fact]
    public void Freed_blocks_are_used_again_without_faulting_their_pages_in()
    {
        Assert.True(OperatingSystem.IsLinux(), "this test is for Linux's glibc");
        TorchRuntime.EnsureLoaded();
        Assert.True(GlibcHeap.Tuned, GlibcHeap.State);

        AllocateTouchAndFree();
        var before = MinorFaultsOfThisThread();
        AllocateTouchAndFree();
        var faulted = MinorFaultsOfThisThread() - before;

        // Under glibc's defaults this is every page again (49,152); reused blocks fault almost none.
        const long pages = (long)Blocks * BlockBytes / PageBytes;
        Assert.True(faulted < pages / 4, $"{faulted} of {pages} pages faulted in again");
    }

    // Touches every page from this thread, so the faults are counted on this thread.
    private static void AllocateTouchAndFree()
    {
        var blocks = new IntPtr[Blocks];
        for (var i = 0; i < Blocks; i++)
        {
            blocks[i] = Marshal.AllocHGlobal(BlockBytes);   // malloc on Linux
            for (var offset = 0; offset < BlockBytes; offset += PageBytes) Marshal.WriteByte(blocks[i], offset, 1);
        }
        foreach (var block in blocks) Marshal.FreeHGlobal(block);
    }

    private static long MinorFaultsOfThisThread()
    {
        // struct rusage: two timevals (4 longs), then ru_maxrss, ru_ixrss, ru_idrss, ru_isrss, ru_minflt, ...
        var usage = new long[18];
        Assert.Equal(0, GetRusage(RusageThread, usage));
        return usage[8];
    }

    private const int RusageThread = 1;

    [DllImport("libc", EntryPoint = "getrusage")]
    private static extern int GetRusage(int who, [Out] long[] usage);
}
