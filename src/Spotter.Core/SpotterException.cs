namespace Spotter;

/// <summary>
/// A problem the user can fix (bad input, missing file, wrong option). Its message is one line
/// that names the file or thing at fault and what is wrong; the CLI prints it and exits with 1.
/// </summary>
public sealed class SpotterException : Exception
{
    public SpotterException(string message) : base(message) { }

    public SpotterException(string message, Exception inner) : base(message, inner) { }
}
