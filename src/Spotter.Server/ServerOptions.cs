namespace Spotter.Server;

/// <summary>How <c>spotter serve</c> listens, what it accepts, and how it batches.</summary>
public sealed record ServerOptions
{
    /// <summary>The address to bind; loopback unless the user says otherwise.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>The port (0: any free port, for tests).</summary>
    public int Port { get; init; } = 5000;

    /// <summary>Uploads larger than this are refused with 413 before they are read in full.</summary>
    public long MaxUploadBytes { get; init; } = 20L << 20;

    /// <summary>Images with more pixels than this are refused with 422 from their header, before any pixel is decoded.</summary>
    public long MaxPixels { get; init; } = 40_000_000;

    /// <summary>Images waiting for the model at most; more get 503 with Retry-After.</summary>
    public int MaxQueue { get; init; } = 64;

    /// <summary>Requests that go through the model together at most.</summary>
    public int MaxBatch { get; init; } = 8;

    /// <summary>How long the first request of a batch waits for others to join it.</summary>
    public TimeSpan BatchWait { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Detections below this are left out unless a request says otherwise (null: the model's display threshold).</summary>
    public float? Threshold { get; init; }

    /// <summary>A client that has not sent its headers in this time is disconnected.</summary>
    public TimeSpan HeadersTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A client that sends its body slower than this (after a grace period) is disconnected.</summary>
    public double MinBodyBytesPerSecond { get; init; } = 1024;

    public TimeSpan MinBodyGrace { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long Ctrl-C waits for requests in flight.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public ServerOptions Validated()
    {
        if (Port is < 0 or > 65535) throw new SpotterException($"--port {Port}: not a port");
        if (MaxUploadBytes < 1024) throw new SpotterException("--max-upload-mb must allow at least 1 KB");
        if (MaxPixels < 1) throw new SpotterException("--max-pixels must be positive");
        if (MaxQueue < 1) throw new SpotterException("--max-queue must be at least 1");
        if (MaxBatch < 1) throw new SpotterException("--max-batch must be at least 1");
        if (Threshold is { } t && !(t >= 0 && t <= 1)) throw new SpotterException("--threshold must be a number from 0 to 1");
        if (MinBodyGrace <= TimeSpan.FromSeconds(1)) throw new SpotterException("the grace period for slow uploads must be over a second (Kestrel's rule)");
        return this;
    }
}
