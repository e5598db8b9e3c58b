using System.CommandLine;
using System.Diagnostics;
using Spotter.Data;
using Spotter.Data.Loading;
using Spotter.Models.Backbones;
using Spotter.Export;
using Spotter.Inference;
using Spotter.Models;
using Spotter.Onnx;
using Spotter.Models.Largest;
using Spotter.Runtime;
using Spotter.Settings;
using Spotter.Training;
using TorchSharp;

namespace Spotter.Cli.Commands;

/// <summary>
/// `spotter bench train`: end-to-end training throughput with the real data pipeline, next to
/// the same model's bare step (forward, backward, optimiser on the same batches made beforehand),
/// so the pipeline's overhead shows as a ratio measured in the same process.
/// </summary>
public static class BenchCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("bench", "Measure speed: training throughput against the bare training step.");
        var task = new Option<string>("--task") { DefaultValueFactory = _ => "largest", Description = "classify-largest, locate-largest, largest or detect" };
        task.AcceptOnlyFromAmong([.. EnumNames.All<ModelTask>()]);
        var dataset = new Option<string>("--dataset") { DefaultValueFactory = _ => "synthetic", Description = "Data to stream through the pipeline" };
        var backbone = new Option<string>("--backbone") { DefaultValueFactory = _ => BackboneCatalog.ImageNetResNet18, Description = "Backbone" };
        var size = new Option<int>("--size") { DefaultValueFactory = _ => 224, Description = "Input size" };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 16, Description = "Batch size" };
        var steps = new Option<int>("--steps") { DefaultValueFactory = _ => 20, Description = "Timed steps of each kind" };
        var precision = ModelOpener.PrecisionOption();
        var prefetch = new Option<bool?>("--prefetch") { Description = "Make the next batch on a background thread during the step (default: as training does, only on CUDA)" };
        var boxHead = new Option<string>("--box-head") { DefaultValueFactory = _ => new LargestHeadOptions().BoxHead.Name(), Description = "largest-object tasks: cells or lesson (as spotter train)" };
        boxHead.AcceptOnlyFromAmong([.. EnumNames.All<BoxHeadKind>()]);
        var device = new Option<string>("--device") { DefaultValueFactory = _ => "auto", Description = "auto, cpu or cuda" };
        var zoom = new Option<double>("--zoom") { DefaultValueFactory = _ => 1, Description = "detect: scale jitter, as spotter train" };
        var mosaic = new Option<double>("--mosaic") { DefaultValueFactory = _ => 0, Description = "detect: the share of mosaics, as spotter train" };
        var copyPaste = new Option<double>("--copy-paste") { DefaultValueFactory = _ => 0, Description = "detect: the share of views with a paste, as spotter train" };
        var train = new Command("train", "Training images/s through the data pipeline vs the bare step, and peak memory.")
            { task, dataset, backbone, size, batch, steps, boxHead, device, prefetch, precision, zoom, mosaic, copyPaste };
        train.SetAction(parse => SpotterCli.Guard(error, () =>
        {
            var augment = AugmentOptions.ForTraining(parse.GetValue(size), parse.GetValue(task) == ModelTask.Detect.Name(),
                Check.Between(parse.GetValue(zoom), 1, 4, "--zoom"), mosaic: Check.Between(parse.GetValue(mosaic), 0, 1, "--mosaic"),
                copyPaste: Check.Between(parse.GetValue(copyPaste), 0, 1, "--copy-paste"));
            return Train(output, parse.GetValue(task)!, parse.GetValue(dataset)!, parse.GetValue(backbone)!, augment,
                parse.GetValue(batch), parse.GetValue(steps), parse.GetValue(boxHead)!, parse.GetValue(device)!, parse.GetValue(prefetch), ModelOpener.ParsePrecision(parse.GetValue(precision)!));
        }));
        command.Subcommands.Add(train);
        command.Subcommands.Add(DetectBench(output, error));
        command.Subcommands.Add(ServeBench(output, error));
        return command;
    }

    private static Command DetectBench(TextWriter output, TextWriter error)
    {
        var run = new Option<string?>("--run") { Description = "A trained run to time (default: an untrained 20-class detector on resnet18-imagenet)" };
        var onnx = new Option<string?>("--onnx") { Description = "The ONNX export to time next to it (default: exported from the model into a temporary file)" };
        var size = new Option<int>("--size") { DefaultValueFactory = _ => 256, Description = "Input size (without --run)" };
        var batches = new Option<int[]>("--batches") { DefaultValueFactory = _ => [1, 8, 32], Description = "Batch sizes to time", AllowMultipleArgumentsPerToken = true };
        var repeats = new Option<int>("--repeats") { DefaultValueFactory = _ => 10, Description = "Timed batches of each size" };
        var device = new Option<string>("--device") { DefaultValueFactory = _ => "auto", Description = "TorchSharp's device: auto, cpu or cuda (ONNX Runtime runs on the CPU)" };
        var command = new Command("detect", "Inference latency and throughput of the TorchSharp and ONNX Runtime backends side by side, and NMS time for 10,000 boxes over 20 classes.")
            { run, onnx, size, batches, repeats, device };
        command.SetAction(parse => SpotterCli.Guard(error, () =>
        {
            var target = Devices.Parse(parse.GetValue(device)!);
            var backends = OpenBackends(parse.GetValue(run), parse.GetValue(onnx), parse.GetValue(size), target);
            try
            {
                var inputSize = backends[0].Detector.Info.InputSize;
                output.WriteLine($"bench detect: {parse.GetValue(run) ?? "untrained detector, resnet18-imagenet"}, {inputSize}x{inputSize}; " +
                                 $"{Environment.ProcessorCount} logical CPUs ({CpuName()}), {torch.get_num_threads()} libtorch threads; forward, decoding and NMS from squashed pixels");
                output.WriteLine($"  {"backend",-24} {"batch",5} {"ms/batch",10} {"ms/image",9} {"images/s",9}");
                var random = new Random(5);
                foreach (var b in parse.GetValue(batches)!)
                {
                    var pixels = new byte[b * 3 * inputSize * inputSize];
                    random.NextBytes(pixels);
                    foreach (var (name, backend) in backends)
                    {
                        var seconds = Time(parse.GetValue(repeats), warmup: 2, (_, count) =>
                        {
                            for (var i = 0; i < count; i++) backend.DetectInputs(pixels, b, threshold: 0);
                            return count;
                        }) / parse.GetValue(repeats);
                        output.WriteLine($"  {name,-24} {b,5} {seconds * 1000,10:0.0} {seconds * 1000 / b,9:0.0} {b / seconds,9:0.0}");
                    }
                }
            }
            finally
            {
                foreach (var (_, backend) in backends) backend.Dispose();
            }
            output.WriteLine($"  NMS, 10,000 boxes over 20 classes (top 400 per class): {NmsMilliseconds(target):0.0} ms");
            foreach (var decodeSize in new[] { 224, 384 })
            {
                var (anchors, decodeMs) = DecodeMilliseconds(target, decodeSize);
                output.WriteLine($"  decoding + NMS of one image's output at {decodeSize} px: {anchors:N0} anchors x 20 classes, best 2,000 kept before NMS: {decodeMs:0.0} ms");
            }
            return SpotterCli.Success;
        }));
        return command;
    }

    /// <summary>
    /// The detectors to time: a model.onnx alone on ONNX Runtime; otherwise the run (or an
    /// untrained detector) on TorchSharp and its ONNX export (given, or written to a temporary file).
    /// </summary>
    private static List<(string Name, DetectorBase Detector)> OpenBackends(string? run, string? onnx, int size, torch.Device target)
    {
        if (run is not null && ModelOpener.IsOnnx(run)) return [("onnxruntime (cpu)", OnnxDetector.Load(run))];
        var model = run is not null
            ? ModelFile.Load(run)
            : ModelFactory.Create(ModelSpec.For(ModelTask.Detect, BackboneCatalog.ImageNetResNet18, [.. Enumerable.Range(0, 20).Select(i => $"class{i}")], size));
        var temporary = onnx is null ? Path.Combine(Path.GetTempPath(), $"spotter-bench-{Environment.ProcessId}.onnx") : null;
        try
        {
            model.Module.eval();
            if (temporary is not null) OnnxExport.Write(model, temporary); // exported from the CPU copy
            var onnxDetector = OnnxDetector.Load(onnx ?? temporary!);
            model.Module.to(target);
            var backends = new List<(string, DetectorBase)> { ($"torchsharp fp32 ({target.type})", Detector.Own(model, target)) };
            if (Precisions.Resolve(Precision.Auto, target.type) == Precision.Bf16)
            {
                // The same network computing in bf16, where the hardware does bf16 arithmetic.
                var half = run is not null ? ModelFile.Load(run, target) : ModelFactory.Create(model.Spec);
                half.Module.to(target);
                Precisions.ToBf16(half.Module);
                backends.Add(($"torchsharp bf16 ({target.type})", Detector.Own(half, target, Precision.Bf16)));
            }
            backends.Add(("onnxruntime (cpu)", onnxDetector));
            return backends;
        }
        catch
        {
            model.Dispose();
            throw;
        }
        finally
        {
            if (temporary is not null) File.Delete(temporary);
        }
    }

    private static Command ServeBench(TextWriter output, TextWriter error)
    {
        var model = new Argument<string>("MODEL") { Description = "A run folder or a model.onnx" };
        var image = new Option<string?>("--image") { Description = "The image every request sends (default: a generated 640x480 PNG)" };
        var clients = new Option<int>("--clients") { DefaultValueFactory = _ => 8, Description = "Concurrent clients" };
        var requests = new Option<int>("--requests") { DefaultValueFactory = _ => 64, Description = "Requests per mode" };
        var device = new Option<string>("--device") { DefaultValueFactory = _ => "auto", Description = "auto, cpu or cuda (run folders)" };
        var command = new Command("serve", "spotter serve under load, in-process over loopback: requests batched together against one at a time.") { model, image, clients, requests, device };
        command.SetAction(parse => SpotterCli.Guard(error, () =>
        {
            using var detector = ModelOpener.Open(parse.GetValue(model)!, parse.GetValue(device)!);
            var body = parse.GetValue(image) is { } path ? File.ReadAllBytes(path) : GeneratedImage();
            output.WriteLine($"bench serve: {parse.GetValue(model)} on {detector.Info.Backend}, {parse.GetValue(clients)} clients, {parse.GetValue(requests)} requests per mode; {Environment.ProcessorCount} logical CPUs ({CpuName()})");
            output.WriteLine($"  {"mode",-28} {"requests/s",10} {"mean ms",8} {"p95 ms",8} {"batches",8}");
            foreach (var (name, options) in new[]
            {
                ("one at a time (batch 1)", new Spotter.Server.ServerOptions { Port = 0, MaxBatch = 1 }),
                ("batched (up to 8, 5 ms)", new Spotter.Server.ServerOptions { Port = 0, MaxBatch = 8 }),
            })
            {
                var (rate, mean, p95, batches) = LoadServer(detector, options, body, parse.GetValue(clients), parse.GetValue(requests)).GetAwaiter().GetResult();
                output.WriteLine($"  {name,-28} {rate,10:0.0} {mean,8:0} {p95,8:0} {batches,8}");
            }
            return SpotterCli.Success;
        }));
        return command;
    }

    private static async Task<(double Rate, double Mean, double P95, int Batches)> LoadServer(IDetector detector, Spotter.Server.ServerOptions options, byte[] body, int clients, int requests)
    {
        await using var server = Spotter.Server.DetectionServer.Create(detector, options);
        await server.StartAsync();
        using var http = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromMinutes(5) };
        (await http.PostAsync("/detect", new ByteArrayContent(body))).EnsureSuccessStatusCode(); // warm up
        var before = server.Queue.BatchSizes.Count;
        var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
        var next = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) <= requests)
            {
                var started = Stopwatch.StartNew();
                (await http.PostAsync("/detect", new ByteArrayContent(body))).EnsureSuccessStatusCode();
                latencies.Add(started.Elapsed.TotalMilliseconds);
            }
        }));
        var seconds = clock.Elapsed.TotalSeconds;
        var sorted = latencies.Order().ToList();
        return (requests / seconds, sorted.Average(), sorted[(int)Math.Ceiling(0.95 * sorted.Count) - 1], server.Queue.BatchSizes.Count - before);
    }

    private static byte[] GeneratedImage()
    {
        using var bitmap = new SkiaSharp.SKBitmap(640, 480);
        using (var canvas = new SkiaSharp.SKCanvas(bitmap))
        {
            canvas.Clear(new SkiaSharp.SKColor(200, 190, 180));
            var random = new Random(2);
            using var paint = new SkiaSharp.SKPaint { IsAntialias = true };
            for (var i = 0; i < 12; i++)
            {
                paint.Color = new SkiaSharp.SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
                canvas.DrawCircle(random.Next(640), random.Next(480), random.Next(15, 60), paint);
            }
        }
        using var data = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>The CPU's model name (timings mean little without it).</summary>
    public static string CpuName() => CpuFeatures.Current.Name;

    /// <summary>
    /// A 20-class detector's whole decoding step for one image: sigmoid scores of every
    /// anchor and class, the 2,000 best kept, their boxes decoded, class-aware NMS. Random logits
    /// put every score above the threshold, the worst case.
    /// </summary>
    private static (long Anchors, double Milliseconds) DecodeMilliseconds(torch.Device device, int size)
    {
        using var scope = torch.NewDisposeScope();
        using var model = (Spotter.Models.Ssd.SsdModel)ModelFactory.Create(ModelSpec.For(ModelTask.Detect, "tiny", [.. Enumerable.Range(0, 20).Select(i => $"class{i}")], size));
        var generator = new torch.Generator(2);
        var raw = torch.randn([1, model.AnchorCount, 24], generator: generator).to(device);
        var seconds = Time(10, warmup: 2, (_, count) =>
        {
            for (var i = 0; i < count; i++) model.Decode(raw);
            return count;
        });
        return (model.AnchorCount, seconds / 10 * 1000);
    }

    private static double NmsMilliseconds(torch.Device device)
    {
        using var scope = torch.NewDisposeScope();
        var generator = new torch.Generator(1);
        var corners = torch.rand(10_000, 2, generator: generator) * 500;
        var boxes = torch.cat([corners, corners + torch.rand(10_000, 2, generator: generator) * 100 + 4], 1).to(device);
        var scores = torch.rand(10_000, generator: generator).to(device);
        var classes = torch.randint(0, 20, [10_000], generator: generator).to(device);
        var seconds = Time(10, warmup: 2, (_, count) =>
        {
            for (var i = 0; i < count; i++) Spotter.Boxes.Nms.Batched(boxes, scores, classes, 0.5).Dispose();
            return count;
        });
        return seconds / 10 * 1000;
    }

    private static int Train(TextWriter output, string taskName, string datasetSpec, string backboneSpec, AugmentOptions augment, int batchSize, int steps, string boxHead, string deviceName, bool? prefetch, Precision precision)
    {
        var size = augment.Size;
        var task = EnumNames.Parse<ModelTask>(taskName, "--task");
        if (steps < 2) throw new SpotterException("--steps must be at least 2");
        var device = Devices.Parse(deviceName);
        var data = DatasetLoader.Load(datasetSpec);
        var images = data.Images.Where(i => ModelSpec.CanUse(task, i)).ToList();
        using var store = new ImageStore(size, images.Count);
        store.Warm(images);
        var loader = new BatchLoader(images, store, augment, batchSize, shuffle: true, prefetch: prefetch ?? device.type == DeviceType.CUDA);
        var spec = ModelSpec.For(task, backboneSpec, data.Classes, size, new LargestHeadOptions { BoxHead = EnumNames.Parse<BoxHeadKind>(boxHead, "--box-head") });
        using var model = ModelFactory.Create(spec);
        var chosen = Precisions.ResolveForTraining(precision, device.type);
        var kernels = TrainingKernels.For(device.type);
        if (kernels.Note is { } note) output.WriteLine(note);
        using var learner = new Learner(model, loader, null, new LearnerOptions
        {
            Device = device, CreateBf16Shadow = chosen == Precision.Bf16 ? () => ModelFactory.CreateUntrained(spec).Module : null,
            ChannelsLast = kernels.ChannelsLast,
        });
        learner.Unfreeze();
        learner.SetTrainingMode();
        var lrs = Enumerable.Repeat(1e-4, learner.GroupCount).ToArray();

        // Bare: the batches the pipeline will stream (epoch 0's first three to warm up, then epoch
        // 1's), made beforehand and already on the device, so only the making of batches differs.
        // Timed before and after the pipeline, and averaged, so that drift in the machine's speed
        // does not show as pipeline overhead.
        var warmupBatches = loader.Epoch(0).Take(3).ToList();
        var timedBatches = loader.Epoch(1).Take(steps).ToList();
        foreach (var b in warmupBatches.Concat(timedBatches)) b.MoveTo(device);
        double MeasureBare()
        {
            var queue = new Queue<Spotter.Data.Loading.Batch>(warmupBatches.Concat(timedBatches));
            return Time(steps, warmup: 3, (_, count) =>
            {
                for (var i = 0; i < count; i++) learner.Step(queue.Count > 0 ? queue.Dequeue() : timedBatches[i % timedBatches.Count], lrs);
                return count;
            });
        }
        var bareBefore = MeasureBare();

        // Pipeline: batches streamed from the loader (augmentation, collation, copy to device).
        var pipelineSeconds = Time(steps, warmup: 3, (epoch, count) =>
        {
            var done = 0;
            foreach (var batch in loader.Epoch(epoch))
            {
                using (batch) learner.Step(batch, lrs);
                if (++done == count) break;
            }
            return done;
        });

        var bareSeconds = (bareBefore + MeasureBare()) / 2;

        // The same bare step in the other memory order (fp32 only: a bf16 shadow keeps the learner's),
        // so the better order for this CPU shows as a ratio measured in one run.
        double? otherOrderSeconds = null;
        if (chosen == Precision.Fp32)
        {
            Spotter.Models.Backbones.Backbone.SetChannelsLast(model.Module, !kernels.ChannelsLast);
            otherOrderSeconds = MeasureBare();
            Spotter.Models.Backbones.Backbone.SetChannelsLast(model.Module, kernels.ChannelsLast);
        }
        // The bare step with the first layer group (stem to the stride-8 stage) kept frozen, as
        // --keep-frozen 1 trains: no backward pass through the largest feature maps.
        learner.FreezeTo(1);
        learner.SetTrainingMode();
        var keptFrozenSeconds = MeasureBare();
        learner.Unfreeze();
        learner.SetTrainingMode();
        foreach (var b in warmupBatches.Concat(timedBatches)) b.Dispose();

        // The loader alone: what making a batch (collation, augmentation) costs when nothing else runs.
        var loaderSeconds = Time(steps, warmup: 1, (epoch, count) =>
        {
            var done = 0;
            foreach (var batch in loader.Epoch(1000 + epoch))
            {
                batch.Dispose();
                if (++done == count) break;
            }
            return done;
        });

        var pipelineRate = steps * batchSize / pipelineSeconds;
        var bareRate = steps * batchSize / bareSeconds;
        var head = task.IsLargestObject() ? $" ({spec.LargestHead.BoxHead.Name()} head)" : "";
        output.WriteLine($"bench train: {taskName}{head}, {backboneSpec}, {size}x{size}, batch {batchSize}, {steps} steps, {device.type} {chosen.Name()} {(kernels.ChannelsLast ? "channels-last" : "NCHW")}, {torch.get_num_threads()} libtorch threads, {Environment.ProcessorCount} logical CPUs ({CpuName()})");
        output.WriteLine($"  with data pipeline  {pipelineRate,8:0.0} images/s  ({pipelineSeconds / steps * 1000:0} ms/step)");
        output.WriteLine($"  bare step           {bareRate,8:0.0} images/s  ({bareSeconds / steps * 1000:0} ms/step; before and after the pipeline: {bareBefore / steps * 1000:0} and {(2 * bareSeconds - bareBefore) / steps * 1000:0})");
        output.WriteLine($"  pipeline overhead   {(pipelineSeconds / bareSeconds - 1) * 100,8:0.0} %");
        if (otherOrderSeconds is { } other)
            output.WriteLine($"  bare step, {(kernels.ChannelsLast ? "NCHW" : "channels-last")} {steps * batchSize / other,8:0.0} images/s  ({other / steps * 1000:0} ms/step, {other / bareSeconds:0.00}x the {(kernels.ChannelsLast ? "channels-last" : "NCHW")} step training uses; " +
                $"steps computed again so far: {learner.RecomputedSteps})");
        output.WriteLine($"  bare step, first group frozen {steps * batchSize / keptFrozenSeconds,8:0.0} images/s  ({keptFrozenSeconds / steps * 1000:0} ms/step, {keptFrozenSeconds / bareSeconds:0.00}x the step with every group training)");
        output.WriteLine($"  loader alone        {steps * batchSize / loaderSeconds,8:0.0} images/s  ({loaderSeconds / steps * 1000:0} ms/batch: collation and augmentation)");
        output.WriteLine($"  peak memory         {Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024):0} MiB (process working set)");
        return SpotterCli.Success;
    }

    private static double Time(int steps, int warmup, Func<int, int, int> run)
    {
        var epoch = 0;
        for (var done = 0; done < warmup;) done += run(epoch++, warmup - done);
        var clock = Stopwatch.StartNew();
        for (var done = 0; done < steps;) done += run(epoch++, steps - done);
        return clock.Elapsed.TotalSeconds;
    }
}
