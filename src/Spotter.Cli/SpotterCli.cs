using System.CommandLine;
using System.CommandLine.Help;
using Spotter.Cli.Commands;

namespace Spotter.Cli;

/// <summary>
/// The `spotter` command line: builds the command tree and maps outcomes to exit codes
/// (0 success, 1 user error with one clear line, 2 a bug in Spotter).
/// </summary>
public static class SpotterCli
{
    public const int Success = 0;
    public const int UserError = 1;
    public const int InternalError = 2;

    /// <summary>Stopped by Ctrl-C (128 + SIGINT, as shells report it).</summary>
    public const int Interrupted = 130;

    public static int Run(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        output ??= Console.Out;
        error ??= Console.Error;
        var root = BuildRoot(output, error);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            // One line naming the most specific problem; the help is one flag away.
            var first = parsed.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parsed.Errors[0];
            var oneLine = WithoutDotnetTypeNames(string.Join(" ", first.Message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)));
            error.WriteLine($"spotter: {oneLine} (see 'spotter --help')");
            return UserError;
        }
        var config = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        return parsed.Invoke(config);
    }

    /// <summary>System.CommandLine names the .NET type a value failed to parse as ("System.Nullable`1[System.Double]"): say "a number".</summary>
    internal static string WithoutDotnetTypeNames(string message)
    {
        message = System.Text.RegularExpressions.Regex.Replace(message, @"as expected type '(System\.Nullable`1\[)?System\.(Double|Single|Decimal)\]?'", "as a number");
        return System.Text.RegularExpressions.Regex.Replace(message, @"as expected type '(System\.Nullable`1\[)?System\.(Int16|Int32|Int64)\]?'", "as a whole number");
    }

    public static Command BuildRoot(TextWriter output, TextWriter error)
    {
        // A plain command named "spotter" (RootCommand would name itself after the assembly).
        var root = new Command("spotter", "Spotter: train and run object detectors in .NET.");
        root.Options.Add(new HelpOption());
        root.Options.Add(new VersionOption());
        root.SetAction(_ => { error.WriteLine("Usage: spotter COMMAND [options]; 'spotter --help' lists the commands."); return UserError; });
        root.Subcommands.Add(InfoCommand.Create(output, error));
        root.Subcommands.Add(DataCommand.Create(output, error));
        root.Subcommands.Add(TrainCommand.Create(output, error));
        root.Subcommands.Add(LrFindCommand.Create(output, error));
        root.Subcommands.Add(EvalCommand.Create(output, error));
        root.Subcommands.Add(ReportCommand.Create(output, error));
        root.Subcommands.Add(DetectCommand.Create(output, error));
        root.Subcommands.Add(BenchCommand.Create(output, error));
        root.Subcommands.Add(DemoCommand.Create(output, error));
        root.Subcommands.Add(ExportCommand.Create(output, error));
        root.Subcommands.Add(ServeCommand.Create(output, error));
        root.Subcommands.Add(ExportBackboneCommand.Create(output, error));
        return root;
    }

    /// <summary>Runs a command body, turning exceptions into the exit-code contract.</summary>
    public static int Guard(TextWriter error, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (SpotterException e)
        {
            error.WriteLine($"spotter: {e.Message}");
            return UserError;
        }
        catch (OperationCanceledException)
        {
            error.WriteLine("spotter: stopped");
            return Interrupted;
        }
        catch (AggregateException e) when (e.Flatten().InnerExceptions is [SpotterException first, ..])
        {
            // Work done in parallel (decoding a dataset's images) fails with the first user error inside.
            error.WriteLine($"spotter: {first.Message}");
            return UserError;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The file system said no (no permission, disk full, a file where a folder should be): the user can fix it.
            error.WriteLine($"spotter: {e.Message}");
            return UserError;
        }
        catch (Exception e) when (MissingNativeLibrary(e) is { } missing)
        {
            // ONNX Runtime loads its library on first use (export's check, a model.onnx): a platform it has no build for, or a trimmed install.
            // Its first sentence: .NET adds advice about strace and LD_DEBUG, then every path it tried.
            var what = missing.Message.Split('\n')[0].Split(". ")[0].Trim().TrimEnd('.');
            var hint = what.Contains("onnxruntime", StringComparison.OrdinalIgnoreCase)
                ? "; ONNX Runtime (export, .onnx models) needs the native library of the Microsoft.ML.OnnxRuntime package beside spotter (runtimes/<platform>/native), and training and run folders do not"
                : "";
            error.WriteLine($"spotter: {what}{hint}");
            return UserError;
        }
        catch (Exception e)
        {
            error.WriteLine($"spotter: internal error, please report it: {e}");
            return InternalError;
        }
    }

    private static DllNotFoundException? MissingNativeLibrary(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is DllNotFoundException missing) return missing;
        return null;
    }

    /// <summary>Whether progress lines (carriage returns) suit this writer: the real, unredirected standard error.</summary>
    public static bool IsInteractive(TextWriter error) => !Console.IsErrorRedirected && ReferenceEquals(error, Console.Error);

    /// <summary>
    /// A cancellation that the first Ctrl-C triggers (saying <paramref name="message"/>) instead of
    /// killing the process, so the work can stop cleanly; a second Ctrl-C kills as usual.
    /// </summary>
    public static CtrlC CancelOnCtrlC(TextWriter error, string message) => new(error, message);

    public sealed class CtrlC : IDisposable
    {
        private readonly CancellationTokenSource _source = new();
        private readonly ConsoleCancelEventHandler _handler;

        internal CtrlC(TextWriter error, string message)
        {
            _handler = (_, e) =>
            {
                if (_source.IsCancellationRequested) return; // the second Ctrl-C ends the process
                e.Cancel = true;
                error.WriteLine();
                error.WriteLine($"spotter: Ctrl-C: {message}");
                _source.Cancel();
            };
            Console.CancelKeyPress += _handler;
        }

        public CancellationToken Token => _source.Token;

        public void Dispose()
        {
            Console.CancelKeyPress -= _handler;
            _source.Dispose();
        }
    }
}
