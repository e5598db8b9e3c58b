using Spotter.Cli;

namespace Spotter.Tests.Cli;

/// <summary>Runs the spotter command line in-process, capturing what it prints.</summary>
public static class CliRunner
{
    public static (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = SpotterCli.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
