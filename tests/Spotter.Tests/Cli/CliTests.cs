
namespace Spotter.Tests.Cli;

public sealed class CliTests
{
    private static (int Code, string Output, string Error) Run(params string[] args) => CliRunner.Run(args);

    [Fact]
    public void Info_prints_versions_and_exits_zero()
    {
        var (code, output, _) = Run("info");
        Assert.Equal(0, code);
        Assert.Matches(@"libtorch\s+2\.10\.0", output);
        Assert.Matches(@"TorchSharp\s+0\.107\.0", output);
        Assert.Contains("CPU threads", output);
    }

    [Theory]
    [InlineData("bogus")]
    [InlineData("info", "--no-such-option")]
    public void Unknown_command_or_option_gives_one_line_and_exit_code_1(params string[] args)
    {
        var (code, _, error) = Run(args);
        Assert.Equal(1, code);
        Assert.Single(error.Trim().Split('\n'));
        Assert.Contains(args[^1], error);
    }

    [Fact]
    public void Help_lists_commands_and_exits_zero()
    {
        var (code, output, _) = Run("--help");
        Assert.Equal(0, code);
        Assert.Contains("info", output);
    }

    [Fact]
    public void A_native_library_that_cannot_load_is_one_line_naming_it_not_an_internal_error()
    {
        // What ONNX Runtime throws on first use when its library is not beside spotter (the loader lists every path it tried).
        var missing = new TypeInitializationException("Microsoft.ML.OnnxRuntime.NativeMethods",
            new DllNotFoundException("Unable to load shared library 'onnxruntime' or one of its dependencies. In order to help diagnose loading problems, consider using a tool like strace.\n/app/runtimes/linux-x64/native/libonnxruntime.so: cannot open shared object file"));
        var error = new StringWriter();

        var code = Spotter.Cli.SpotterCli.Guard(error, () => throw missing);

        Assert.Equal(Spotter.Cli.SpotterCli.UserError, code);
        var line = Assert.Single(error.ToString().Trim().Split('\n'));
        Assert.StartsWith("spotter: Unable to load shared library 'onnxruntime' or one of its dependencies; ONNX Runtime", line);
        Assert.DoesNotContain("strace", line);
        Assert.Contains("Microsoft.ML.OnnxRuntime package", line);

        error = new StringWriter();
        Assert.Equal(Spotter.Cli.SpotterCli.InternalError, Spotter.Cli.SpotterCli.Guard(error, () => throw new InvalidOperationException("a bug")));
        Assert.Contains("internal error", error.ToString());
    }
}
