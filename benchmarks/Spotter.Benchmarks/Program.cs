using BenchmarkDotNet.Running;

namespace Spotter.Benchmarks;

public static class Program
{
    // dotnet run -c Release --project benchmarks/Spotter.Benchmarks -- --filter '*'
    // dotnet run -c Release --project benchmarks/Spotter.Benchmarks -- probe DATASET [TRAIN_SPLIT TEST_SPLIT MAX_PER_CLASS] [--background]
    public static void Main(string[] args)
    {
        if (args.Length >= 2 && args[0] == "probe")
        {
            var positional = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToArray();
            LinearProbe.Run(positional[1], positional.ElementAtOrDefault(2) ?? "trainval", positional.ElementAtOrDefault(3) ?? "test",
                int.Parse(positional.ElementAtOrDefault(4) ?? "400"), args.Contains("--background"));
            return;
        }
        if (args.Length == 2 && args[0] == "export-backbone")
        {
            // resnet18-imagenet's converted weights as fp16 safetensors, loadable with
            // --backbone resnet18-imagenet:FILE where the ONNX model is not available.
            using var backbone = Spotter.Models.Backbones.BackboneCatalog.LoadImageNetResNet18();
            var half = backbone.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.to(TorchSharp.torch.ScalarType.Float16));
            TorchSharp.PyBridge.Safetensors.SaveStateDict(args[1], half);
            Console.WriteLine($"Wrote {args[1]} ({new FileInfo(args[1]).Length / 1e6:0.0} MB)");
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
