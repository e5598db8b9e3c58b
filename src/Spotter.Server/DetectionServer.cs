using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Spotter.Data;
using Spotter.Inference;

namespace Spotter.Server;

/// <summary>
/// <c>spotter serve</c>: an HTTP detection service on Kestrel over any <see cref="IDetector"/>
/// (a run folder on TorchSharp, a model.onnx on ONNX Runtime).
/// <list type="bullet">
/// <item><c>POST /detect</c>: the image as a multipart field <c>image</c> or as the raw body;
/// query <c>threshold</c>, <c>classes</c> (comma-separated names). 200:
/// <c>{"width", "height", "detections": [{"class", "score", "box"}], "ms"}</c>, boxes in the image's pixels.</item>
/// <item><c>GET /</c> the web page, <c>GET /model</c>, <c>GET /health</c>.</item>
/// </list>
/// Bad input gets a 4xx and one line of JSON (<c>{"error": ...}</c>); a full queue 503 with
/// Retry-After. Requests arriving together go through the model as one batch (<see cref="BatchingQueue"/>).
/// </summary>
public sealed class DetectionServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly IDetector _detector;
    private readonly ServerOptions _options;
    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    private DetectionServer(WebApplication app, IDetector detector, ServerOptions options, BatchingQueue queue)
    {
        _app = app;
        _detector = detector;
        _options = options;
        Queue = queue;
    }

    public BatchingQueue Queue { get; }

    /// <summary>Where the server listens (with the real port once started).</summary>
    public Uri Address => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    public static DetectionServer Create(IDetector detector, ServerOptions options)
    {
        options = options.Validated();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = options.ShutdownTimeout);
        builder.Services.Configure<FormOptions>(f => f.MultipartBodyLengthLimit = options.MaxUploadBytes);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxUploadBytes;
            kestrel.Limits.RequestHeadersTimeout = options.HeadersTimeout;
            kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(options.MinBodyBytesPerSecond, options.MinBodyGrace);
            kestrel.Listen(ParseHost(options.Host), options.Port);
        });
        var app = builder.Build();
        var queue = new BatchingQueue(detector, options);
        var server = new DetectionServer(app, detector, options, queue);
        server.Map(app);
        return server;
    }

    private static IPAddress ParseHost(string host) => host switch
    {
        "localhost" => IPAddress.Loopback,
        "*" or "0.0.0.0" => IPAddress.Any,
        _ => IPAddress.TryParse(host, out var address) ? address : throw new SpotterException($"--host {host}: give an IP address (127.0.0.1, 0.0.0.0, ::1)"),
    };

    private void Map(WebApplication app)
    {
        app.MapGet("/", () => Results.Content(Page.Html, "text/html; charset=utf-8"));
        app.MapGet("/health", () => Results.Json(new Dictionary<string, object> { ["status"] = "ok", ["batches"] = Queue.BatchSizes.Count }));
        app.MapGet("/model", () => Results.Json(new Dictionary<string, object>
        {
            ["task"] = _detector.Info.Task.Name(),
            ["classes"] = _detector.Info.Classes,
            ["input_size"] = _detector.Info.InputSize,
            ["backend"] = _detector.Info.Backend,
            ["device"] = _detector.Info.Device,
            ["precision"] = _detector.Info.Precision.Name(),
            ["threshold"] = DefaultThreshold,
        }));
        app.MapPost("/detect", (Func<HttpContext, Task<IResult>>)Detect);
    }

    /// <summary>
    /// A tiled model (<see cref="IDetector.Tiling"/>): each image is its own batch of tiles, so it
    /// skips the batching queue; one image runs at a time, and past <see cref="ServerOptions.MaxQueue"/>
    /// waiting the answer is 503 as for the queue.
    /// </summary>
    private async Task<IResult> DetectTiled(HttpContext context, byte[] bytes, float threshold, HashSet<string>? classes, Stopwatch clock)
    {
        var aborted = context.RequestAborted;
        if (Interlocked.Increment(ref _tiledWaiting) > _options.MaxQueue)
        {
            Interlocked.Decrement(ref _tiledWaiting);
            context.Response.Headers.RetryAfter = "1";
            return Error(503, $"the server is busy ({_options.MaxQueue} images queued); try again shortly");
        }
        try
        {
            using var image = UploadedImage.Decode(bytes, _options.MaxPixels, _detector.DecodeSize, out var width, out var height);
            await _tiledGate.WaitAsync(aborted);
            try
            {
                var found = await Task.Run(() => _detector.DetectDecoded([new DecodedImage(image, width, height)], threshold: 0)[0], aborted);
                var kept = found.Where(d => d.Score >= threshold && (classes is null || classes.Contains(d.Class))).ToList();
                return Results.Json(new DetectResponse(width, height, kept, Math.Round(clock.Elapsed.TotalMilliseconds, 1)), Json);
            }
            finally
            {
                _tiledGate.Release();
            }
        }
        finally
        {
            Interlocked.Decrement(ref _tiledWaiting);
        }
    }

    private readonly SemaphoreSlim _tiledGate = new(1, 1);
    private int _tiledWaiting;

    private float DefaultThreshold => _options.Threshold ?? _detector.Info.DefaultThreshold;

    private async Task<IResult> Detect(HttpContext context)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            var (threshold, classes) = ReadQuery(context.Request.Query);
            var bytes = await UploadedImage.ReadBytesAsync(context.Request, context.RequestAborted);
            int width, height;
            if (_detector.Tiling is not null) return await DetectTiled(context, bytes, threshold, classes, clock);
            var size = _detector.Info.InputSize;
            var pixels = new byte[3 * size * size];
            using (var image = UploadedImage.Decode(bytes, _options.MaxPixels, size, out width, out height))
                ImagePixels.SquashedPlanes(image, size, pixels);
            var pending = Queue.TryEnqueue(pixels);
            if (pending is null)
            {
                context.Response.Headers.RetryAfter = "1";
                return Error(503, $"the server is busy ({_options.MaxQueue} images queued); try again shortly");
            }
            var found = await pending.WaitAsync(context.RequestAborted);
            var kept = found.Where(d => d.Score >= threshold && (classes is null || classes.Contains(d.Class)))
                .Select(d => d.FromInput(size, width, height)).ToList();
            return Results.Json(new DetectResponse(width, height, kept, Math.Round(clock.Elapsed.TotalMilliseconds, 1)), Json);
        }
        catch (ApiException e)
        {
            return Error(e.Status, e.Message);
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException e)
        {
            return Error(e.StatusCode, e.StatusCode == 413 ? $"the upload is larger than {_options.MaxUploadBytes / (1024.0 * 1024):0.#} MB (--max-upload-mb)" : e.Message);
        }
        catch (InvalidDataException e)
        {
            // Multipart bodies that break their own format, or a field over the size limit.
            var tooLarge = e.Message.Contains("limit", StringComparison.OrdinalIgnoreCase);
            return Error(tooLarge ? 413 : 400, tooLarge ? $"the upload is larger than {_options.MaxUploadBytes / (1024.0 * 1024):0.#} MB (--max-upload-mb)" : $"a malformed upload ({e.Message})");
        }
    }

    private (float Threshold, HashSet<string>? Classes) ReadQuery(IQueryCollection query)
    {
        var threshold = DefaultThreshold;
        if (query.TryGetValue("threshold", out var text) && text.Count > 0)
        {
            if (!float.TryParse(text[0], NumberStyles.Float, CultureInfo.InvariantCulture, out threshold) || threshold is < 0 or > 1 || float.IsNaN(threshold))
                throw new ApiException(400, $"threshold '{text[0]}': give a number between 0 and 1");
        }
        HashSet<string>? classes = null;
        if (query.TryGetValue("classes", out var names) && names.Count > 0 && !string.IsNullOrWhiteSpace(names[0]))
        {
            classes = names.SelectMany(n => (n ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToHashSet();
            var unknown = classes.Where(c => !_detector.Info.Classes.Contains(c) && c != Detection.Unclassified).ToList();
            if (unknown.Count > 0)
                throw new ApiException(400, $"unknown class(es) {string.Join(", ", unknown)}; the model knows {string.Join(", ", _detector.Info.Classes)}");
        }
        return (threshold, classes);
    }

    private static IResult Error(int status, string message) => Results.Json(new Dictionary<string, string> { ["error"] = message }, statusCode: status);

    public Task StartAsync(CancellationToken cancel = default) => _app.StartAsync(cancel);

    /// <summary>After <see cref="StartAsync"/>: returns when the process is asked to stop (Ctrl-C, SIGTERM) and the requests in flight have finished.</summary>
    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    public Task StopAsync(CancellationToken cancel = default) => _app.StopAsync(cancel);

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        await Queue.DisposeAsync();
    }
}
