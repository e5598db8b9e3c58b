namespace Spotter.Server;

/// <summary>A request the server refuses: its HTTP status and the one line that says why.</summary>
public sealed class ApiException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}
