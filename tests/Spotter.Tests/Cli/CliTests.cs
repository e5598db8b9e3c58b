
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
}
