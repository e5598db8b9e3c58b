using System.CommandLine;
using System.Diagnostics;
using Spotter.Data;
using Spotter.Data.Loading;
using Spotter.Models.Backbones;
using Spotter.Models;
using Spotter.Models.Largest;
using Spotter.Runtime;
using Spotter.Training;
using TorchSharp;

namespace Spotter.Cli.Commands;

/// <summary>
/// `spotter bench train`: end-to-end training throughput with the real data pipeline, next to
/// the same model's bare step (forward, backward, optimiser on one fixed batch, no loading), so
/// the pipeline's overhead shows as a ratio measured in the same process.
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
        var boxHead = new Option<string>("--box-head") { DefaultValueFactory = _ => new LargestHeadOptions().BoxHead.Name(), Description = "largest-object tasks: cells or lesson (as spotter train)" };
        boxHead.AcceptOnlyFromAmong([.. EnumNames.All<BoxHeadKind>()]);
        var device = new Option<string>("--device") { DefaultValueFactory = _ => "auto", Description = "auto, cpu or cuda" };
        var train = new Command("train", "Training images/s through the data pipeline vs the bare step, and peak memory.")
            { task, dataset, backbone, size, batch, steps, boxHead, device };
        train.SetAction(parse => SpotterCli.Guard(error, () => Train(output, parse.GetValue(task)!, parse.GetValue(dataset)!, parse.GetValue(backbone)!,
            parse.GetValue(size), parse.GetValue(batch), parse.GetValue(steps), parse.GetValue(boxHead)!, parse.GetValue(device)!)));
        command.Subcommands.Add(train);
        command.Subcommands.Add(DetectBench(output, error));
        return command;
    }

    private static Command DetectBench(TextWriter output, TextWriter error)
    {
        var run = new Option<string?>("--run") { Description = "A trained run to time (default: an untrained detector on resnet18-imagenet)" };
        var size = new Option<int>("--size") { DefaultValueFactory = _ => 256, Description = "Input size (without --run)" };
        var batches = new Option<int[]>("--batches") { DefaultValueFactory = _ => [1, 8, 32], Description = "Batch sizes to time", AllowMultipleArgumentsPerToken = true };
        var device = new Option<string>("--device") { DefaultValueFactory = _ => "auto", Description = "auto, cpu or cuda" };
        var command = new Command("detect", "Inference latency at batch 1, throughput at larger batches, and NMS time for 10,000 boxes over 20 classes.") { run, size, batches, device };
        command.SetAction(parse => SpotterCli.Guard(error, () =>
        {
            var target = Devices.Parse(parse.GetValue(device)!);
            var model = parse.GetValue(run) is { } folder
                ? ModelFile.Load(folder, target)
                : ModelFactory.Create(ModelSpec.For(ModelTask.Detect, BackboneCatalog.ImageNetResNet18, [.. Enumerable.Range(0, 20).Select(i => $"class{i}")], parse.GetValue(size)));
            using (model)
            {
                model.Module.to(target).eval();
                output.WriteLine($"bench detect: {(parse.GetValue(run) ?? "untrained detector, resnet18-imagenet")}, {model.InputSize}x{model.InputSize}, {target.type}, {torch.get_num_threads()} libtorch threads");
                foreach (var b in parse.GetValue(batches)!)
                {
                    using var images = torch.rand(b, 3, model.InputSize, model.InputSize, device: target);
                    var seconds = Time(10, warmup: 2, (_, count) =>
                    {
                        for (var i = 0; i < count; i++) model.PredictBatch(images);
                        return count;
                    }) / 10;
                    output.WriteLine($"  batch {b,3}: {seconds * 1000,8:0.0} ms per batch, {seconds * 1000 / b,7:0.0} ms per image, {b / seconds,7:0.0} images/s (forward, decode, NMS)");
                }
            }
            output.WriteLine($"  NMS, 10,000 boxes over 20 classes (top 400 per class): {NmsMilliseconds(target):0.0} ms");
            return SpotterCli.Success;
        }));
        return command;
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

    private static int Train(TextWriter output, string taskName, string datasetSpec, string backboneSpec, int size, int batchSize, int steps, string boxHead, string deviceName)
    {
        var task = EnumNames.Parse<ModelTask>(taskName, "--task");
        if (steps < 2) throw new SpotterException("--steps must be at least 2");
        var device = Devices.Parse(deviceName);
        var data = DatasetLoader.Load(datasetSpec);
        var images = data.Images.Where(i => ModelSpec.CanUse(task, i)).ToList();
        using var store = new ImageStore(size, images.Count);
        store.Warm(images);
        var loader = new BatchLoader(images, store, new AugmentOptions(size), batchSize, shuffle: true);
        var spec = ModelSpec.For(task, backboneSpec, data.Classes, size, new LargestHeadOptions { BoxHead = EnumNames.Parse<BoxHeadKind>(boxHead, "--box-head") });
        using var model = ModelFactory.Create(spec);
        using var learner = new Learner(model, loader, null, new LearnerOptions { Device = device });
        learner.Unfreeze();
        learner.SetTrainingMode();
        var lrs = Enumerable.Repeat(1e-4, learner.GroupCount).ToArray();

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

        // Bare: one batch already on the device, stepped again and again.
        using var fixedBatch = loader.Epoch(99).First();
        fixedBatch.MoveTo(device);
        var bareSeconds = Time(steps, warmup: 3, (_, count) =>
        {
            for (var i = 0; i < count; i++) learner.Step(fixedBatch, lrs);
            return count;
        });

        var pipelineRate = steps * batchSize / pipelineSeconds;
        var bareRate = steps * batchSize / bareSeconds;
        var head = task.IsLargestObject() ? $" ({spec.LargestHead.BoxHead.Name()} head)" : "";
        output.WriteLine($"bench train: {taskName}{head}, {backboneSpec}, {size}x{size}, batch {batchSize}, {steps} steps, {device.type}, {torch.get_num_threads()} libtorch threads, {Environment.ProcessorCount} logical CPUs");
        output.WriteLine($"  with data pipeline  {pipelineRate,8:0.0} images/s  ({pipelineSeconds / steps * 1000:0} ms/step)");
        output.WriteLine($"  bare step           {bareRate,8:0.0} images/s  ({bareSeconds / steps * 1000:0} ms/step)");
        output.WriteLine($"  pipeline overhead   {(pipelineSeconds / bareSeconds - 1) * 100,8:0.0} %");
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
