using System.CommandLine;
using System.Globalization;
using Spotter.Server;

namespace Spotter.Cli.Commands;

/// <summary>`spotter serve`: the HTTP detection service and its web page, over a run folder or a model.onnx.</summary>
public static class ServeCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var defaults = new ServerOptions();
        var model = new Argument<string>("MODEL") { Description = "A run folder made by 'spotter train', its model.json, or a model.onnx from 'spotter export'" };
        var host = new Option<string>("--host") { DefaultValueFactory = _ => defaults.Host, Description = "Address to listen on (0.0.0.0 for every interface)" };
        var port = new Option<int>("--port") { DefaultValueFactory = _ => defaults.Port, Description = "Port" };
        var maxUpload = new Option<double>("--max-upload-mb") { DefaultValueFactory = _ => defaults.MaxUploadBytes / (1024.0 * 1024), Description = "Largest upload, in MB (413 beyond)" };
        var maxPixels = new Option<string>("--max-pixels") { DefaultValueFactory = _ => "40e6", Description = "Most pixels in an image, read from its header (422 beyond)" };
        var maxQueue = new Option<int>("--max-queue") { DefaultValueFactory = _ => defaults.MaxQueue, Description = "Images waiting for the model at most (503 beyond)" };
        var maxBatch = new Option<int>("--max-batch") { DefaultValueFactory = _ => defaults.MaxBatch, Description = "Requests run through the model together at most" };
        var batchWait = new Option<double>("--batch-wait-ms") { DefaultValueFactory = _ => defaults.BatchWait.TotalMilliseconds, Description = "How long a request waits for others to share its batch" };
        var threshold = new Option<float?>("--threshold") { Description = "Default score threshold (a request's ?threshold= overrides it)" };
        var device = new Option<string>("--device") { DefaultValueFactory = _ => "auto", Description = "auto, cpu or cuda (run folders)" };
        var precision = ModelOpener.PrecisionOption();
        var tiles = new TileOptions();
        var command = new Command("serve", "Serve a model over HTTP: POST /detect, a web page at /, GET /model and /health.")
            { model, host, port, maxUpload, maxPixels, maxQueue, maxBatch, batchWait, threshold, device, precision };
        foreach (var option in tiles.All) command.Options.Add(option);
        command.SetAction(parse => SpotterCli.Guard(error, () =>
        {
            if (!double.TryParse(parse.GetValue(maxPixels), NumberStyles.Float, CultureInfo.InvariantCulture, out var pixels))
                throw new SpotterException($"--max-pixels '{parse.GetValue(maxPixels)}': not a number");
            var options = new ServerOptions
            {
                Host = parse.GetValue(host)!, Port = parse.GetValue(port), MaxUploadBytes = (long)(parse.GetValue(maxUpload) * 1024 * 1024),
                MaxPixels = (long)pixels, MaxQueue = parse.GetValue(maxQueue), MaxBatch = parse.GetValue(maxBatch),
                BatchWait = TimeSpan.FromMilliseconds(parse.GetValue(batchWait)), Threshold = parse.GetValue(threshold),
            }.Validated();
            using var detector = ModelOpener.Open(parse.GetValue(model)!, parse.GetValue(device)!, ModelOpener.ParsePrecision(parse.GetValue(precision)!));
            tiles.Apply(parse, detector, error);
            return Serve(detector, options, output).GetAwaiter().GetResult();
        }));
        return command;
    }

    private static async Task<int> Serve(Spotter.Inference.IDetector detector, ServerOptions options, TextWriter output)
    {
        await using var server = DetectionServer.Create(detector, options);
        try
        {
            await server.StartAsync();
        }
        catch (IOException e)
        {
            throw new SpotterException($"cannot listen on {options.Host}:{options.Port} ({e.Message})");
        }
        output.WriteLine($"Spotter serves {detector.Info.Task.Name()} ({detector.Info.Classes.Count} classes, {detector.Info.InputSize} px, {detector.Info.Backend}) at {server.Address}");
        output.WriteLine($"  POST {server.Address}detect   the image as the body or as a multipart field 'image'; ?threshold=0.3&classes=a,b");
        output.WriteLine($"  GET  {server.Address}         the web page;  GET /model, /health.  Ctrl-C stops (requests in flight finish).");
        await server.WaitForShutdownAsync();
        output.WriteLine("Stopped.");
        return SpotterCli.Success;
    }
}
