using BenchmarkDotNet.Running;

namespace Spotter.Benchmarks;

public static class Program
{
    // dotnet run -c Release --project benchmarks/Spotter.Benchmarks -- --filter '*'
    public static void Main(string[] args) =>
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
