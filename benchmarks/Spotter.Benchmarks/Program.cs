using BenchmarkDotNet.Running;

namespace Spotter.Benchmarks;

public static class Program
{
    // dotnet run -c Release --project benchmarks/Spotter.Benchmarks -- --filter '*'
    // dotnet run -c Release --project benchmarks/Spotter.Benchmarks -- probe DATASET [TRAIN_SPLIT TEST_SPLIT MAX_PER_CLASS] [--background]
    // dotnet run -c Release --project benchmarks/Spotter.Benchmarks -- parity RUN MODEL.onnx DATASET [SPLIT]
    // dotnet run -c Release --project benchmarks/Spotter.Benchmarks -- gradient-check DATASET [SIZE] [BATCHES] [REPEATS] [--each] [--finite-differences] [--frozen-norm]
    // dotnet run -c Release --project benchmarks/Spotter.Benchmarks -- layer-check
    // dotnet run -c Release --project benchmarks/Spotter.Benchmarks -- optimizer-state RUN
    // dotnet run -c Release --project benchmarks/Spotter.Benchmarks -- gradient-watch DATASET SIZE STEPS fp32|bf16
    // dotnet run -c Release --project benchmarks/Spotter.Benchmarks -- norm-recalibration RUN [--augmented EPOCHS] [--head-only] [--batches N] MODEL_FOLDER...
    // dotnet run -c Release --project benchmarks/Spotter.Benchmarks -- validation-profile RUN [--channels-last]
    public static void Main(string[] args)
    {
        if (args.Length >= 2 && args[0] == "probe")
        {
            var positional = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToArray();
            LinearProbe.Run(positional[1], positional.ElementAtOrDefault(2) ?? "trainval", positional.ElementAtOrDefault(3) ?? "test",
                int.Parse(positional.ElementAtOrDefault(4) ?? "400"), args.Contains("--background"));
            return;
        }
        if (args.Length == 1 && args[0] == "precision-probe")
        {
            PrecisionProbe.Run();
            return;
        }
        if (args.Length == 4 && args[0] == "screenshot-serve")
        {
            ServePageScreenshot.Run(args[1], args[2], args[3]).GetAwaiter().GetResult();
            return;
        }
        if (args.Length >= 4 && args[0] == "screenshot-report")
        {
            ReportScreenshot.Run(args[1], args[2], args[3..]).GetAwaiter().GetResult();
            return;
        }
        if (args.Length == 5 && args[0] == "tiling-figure")
        {
            TilingFigure.Run(args[1], args[2], args[3], args[4]);
            return;
        }
        if (args.Length == 4 && args[0] == "background-crops")
        {
            BackgroundCrops.Run(args[1], args[2], args[3]);
            return;
        }
        if (args.Length >= 2 && args[0] == "validation-profile")
        {
            ValidationProfile.Run(args[1], args.Contains("--channels-last"));
            return;
        }
        if (args.Length >= 3 && args[0] == "norm-recalibration")
        {
            var models = args[2..].ToList();
            var epochs = TakeOption(models, "--augmented", 0);
            var maxBatches = TakeOption(models, "--batches", int.MaxValue);
            var headOnly = models.Remove("--head-only");
            NormRecalibration.Run(args[1], epochs, headOnly, maxBatches, models);
            return;
        }
        if (args.Length >= 2 && args[0] == "gradient-check")
        {
            var numbers = args.Skip(2).Where(a => !a.StartsWith("--", StringComparison.Ordinal)).Select(a => int.Parse(a, System.Globalization.CultureInfo.InvariantCulture)).ToList();
            int Number(int i, int fallback) => i < numbers.Count ? numbers[i] : fallback;
            GradientCheck.Run(args[1], Number(0, 320), Number(1, 1), Number(2, 3),
                args.Contains("--each"), args.Contains("--finite-differences"), args.Contains("--frozen-norm"));
            return;
        }
        if (args.Length == 1 && args[0] == "layer-check") { LayerCheck.Run(); return; }
        if (args.Length == 2 && args[0] == "optimizer-state") { OptimizerState.Run(args[1]); return; }
        if (args.Length == 5 && args[0] == "gradient-watch")
        {
            GradientWatch.Run(args[1], int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture), int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture), args[4]);
            return;
        }
        if (args.Length >= 4 && args[0] == "parity")
        {
            BackendParity.Run(args[1], args[2], args[3], args.ElementAtOrDefault(4) ?? "test");
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }

    /// <summary>Removes "NAME VALUE" from the arguments and returns the value, or the default when absent.</summary>
    private static int TakeOption(List<string> arguments, string name, int absent)
    {
        var at = arguments.IndexOf(name);
        if (at < 0) return absent;
        var value = int.Parse(arguments[at + 1], System.Globalization.CultureInfo.InvariantCulture);
        arguments.RemoveRange(at, 2);
        return value;
    }
}
