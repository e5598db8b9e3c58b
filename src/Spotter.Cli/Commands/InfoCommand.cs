using System.CommandLine;
using Spotter.Models.Backbones;
using Spotter.Runtime;

namespace Spotter.Cli.Commands;

/// <summary>`spotter info`: versions, device, threads, available backbones.</summary>
public static class InfoCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("info", "Show versions, compute device, CPU threads and available backbones.");
        command.SetAction(_ => SpotterCli.Guard(error, () => Print(output)));
        return command;
    }

    private static int Print(TextWriter output)
    {
        TorchRuntime.EnsureLoaded(wantCuda: true);
        var rows = new List<(string, string)>
        {
            ("Spotter", SpotterInfo.Version),
            ("TorchSharp", TorchRuntime.TorchSharpVersion),
            ("libtorch", TorchRuntime.LibTorchVersion),
            (".NET", Environment.Version.ToString()),
            ("CPU", CpuFeatures.Current.Describe()),
            ("Precision", $"--precision auto means {Precisions.Resolve(Precision.Auto, TorchSharp.DeviceType.CPU).Name()} on this CPU ({(CpuFeatures.Current.HasBf16Hardware ? "it has bf16 arithmetic" : "no AVX-512 BF16 or AMX")}){(CpuFeatures.Current.HasFaultyBackwardConvolutions ? "; fp32 when training (below)" : "")}"),
            ("Training", CpuFeatures.Current.HasFaultyBackwardConvolutions
                ? "libtorch's NCHW backward convolutions return NaN on this CPU (AMD family 1Ah), so training computes channels-last (where fp32 training showed none; a faulty step is computed again); auto trains in fp32"
                : "no known kernel fault on this CPU"),
            ("CPU threads", $"{TorchSharp.torch.get_num_threads()} used by libtorch, {Environment.ProcessorCount} logical processors"),
            ("Memory", GlibcHeap.State),
            ("CUDA", TorchRuntime.CudaAvailable ? $"available, {TorchSharp.torch.cuda.device_count()} device(s)" : "not available (CPU only)"),
        };
        var width = rows.Max(r => r.Item1.Length);
        foreach (var (name, value) in rows)
            output.WriteLine($"{name.PadRight(width)}  {value}");
        output.WriteLine();
        output.WriteLine("Backbones (--backbone):");
        foreach (var entry in BackboneCatalog.Available())
            output.WriteLine($"  {entry.Name,-44} {entry.Weights}");
        return SpotterCli.Success;
    }
}
