namespace Spotter.Cli;

/// <summary>A "done/total" line rewritten in place on an interactive terminal, cleared at the end; nothing otherwise.</summary>
public static class Progress
{
    public static Action<int, int>? Line(TextWriter error, string what)
    {
        if (!SpotterCli.IsInteractive(error)) return null;
        return (done, total) =>
        {
            error.Write($"\r  {done}/{total} {what}");
            if (done >= total) error.Write("\r" + new string(' ', 40) + "\r");
        };
    }
}
