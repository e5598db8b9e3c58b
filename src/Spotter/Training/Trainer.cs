using System.Text.Json;
using Spotter.Data;
using Spotter.Data.Loading;
using Spotter.Evaluation;
using Spotter.Models;
using Spotter.Models.Backbones;
using Spotter.Models.Detection;
using Spotter.Models.Largest;
using Spotter.Runtime;
using Spotter.Visualization;
using TorchSharp;

namespace Spotter.Training;

/// <summary>
/// A whole training run, leaving a run folder: config.json, lr_find.png (when the LR finder
/// chose the rate), metrics.csv, checkpoints/ (resumable), model.bin + model.json (the best
/// epoch), losses.png, samples.png, and for detection eval.json and pr_curves.png. The recipe is
/// fastai's fine-tune: the head alone with the body frozen, then everything with differential
/// learning rates (lr/200, lr/20, lr/2 for the three layer groups), one schedule per phase.
/// </summary>
public static class Trainer
{
    public static readonly string[] Tasks = ["classify-largest", "locate-largest", "largest", "detect"];

    public sealed record Result(IReadOnlyDictionary<string, double> Metrics, string RunFolder, double LearningRate, int EpochsDone);

    public static Result Train(TrainConfig config, string runFolder, ITrainingReporter? reporter = null, bool resume = false)
    {
        reporter ??= new SilentReporter();
        config.Validate();
        if (!Tasks.Contains(config.Task)) throw new SpotterException($"unknown --task '{config.Task}'; choose {string.Join(", ", Tasks)}");
        PrepareFolder(runFolder, resume);
        var device = Devices.Parse(config.Device);

        var dataset = DatasetLoader.Load(config.Dataset, config.ImageFolder);
        var train = DatasetSplits.Select(dataset, config.TrainSplit).Where(i => ModelInfo.CanUse(config.Task, i)).ToList();
        var valid = DatasetSplits.Select(dataset, config.ValidSplit).Where(i => ModelInfo.CanUse(config.Task, i)).ToList();
        reporter.Message($"{dataset.Source}: {train.Count} training and {valid.Count} validation images, {dataset.Classes.Count} classes; {config.Task} at {config.Size}x{config.Size} on {device.type}");

        using var store = new ImageStore(config.Size, train.Count + valid.Count);
        store.Warm(train.Concat(valid));
        var trainLoader = new BatchLoader(train, store, config.Augment ? new AugmentOptions(config.Size) : AugmentOptions.None(config.Size), config.Batch, shuffle: true, config.Seed);
        var validLoader = new BatchLoader(valid, store, AugmentOptions.None(config.Size), config.Batch, shuffle: false);

        torch.manual_seed(config.Seed);
        using var model = CreateModel(config, dataset.Classes.Count);
        var info = model.Describe(config.Backbone, dataset.Classes);
        using var learner = new Learner(model, trainLoader, validLoader,
            new LearnerOptions { Optimizer = config.Optimizer, WeightDecay = config.WeightDecay, GradientClipNorm = config.GradientClipNorm, Device = device }, config.Seed);

        var checkpoints = Path.Combine(runFolder, "checkpoints");
        var lr = resume ? ResumeFrom(learner, checkpoints, runFolder) : ChooseLearningRate(config, learner, runFolder, reporter);
        if (!resume) (config with { LearningRate = lr }).Save(runFolder);

        var (metric, higherIsBetter) = model.NewMetrics().Primary;
        var best = new BestModelCallback(metric, higherIsBetter, () => ModelFile.Save(model, info, runFolder), checkpoints, config.Patience,
            resume ? Checkpoint.ReadState(checkpoints)?.Best : null);
        var losses = new LossRecorder();
        foreach (var callback in new ILearnerCallback[] { new MetricsCsvCallback(Path.Combine(runFolder, "metrics.csv")), best, losses, reporter })
            learner.Add(callback);

        RunPhases(config, learner, lr, reporter);

        Plots.Losses(losses.Points, learner.History, Path.Combine(runFolder, "losses.png"));
        var (bestModel, bestInfo) = ModelFile.Load(runFolder, device);
        using (bestModel)
        {
            var metrics = Report(bestModel, validLoader, dataset.Classes, runFolder, device);
            DrawSamples(bestModel, bestInfo, valid, Path.Combine(runFolder, "samples.png"), device);
            reporter.Message($"Best epoch by {metric}: {string.Join(", ", metrics.Where(m => m.Key != "valid_loss").Select(m => $"{m.Key} {m.Value:0.####}"))}");
            return new Result(metrics, runFolder, lr, learner.History.Count);
        }
    }

    public static IImageModel CreateModel(TrainConfig config, int classCount)
    {
        var backbone = BackboneCatalog.Create(config.Backbone);
        if (ModelInfo.IsDetection(config.Task))
            return new SsdModel(backbone, classCount, config.Size, new DetectorSettings(config.Anchors, config.BoxCoder,
                Zooms: config.AnchorZooms, Ratios: config.AnchorRatios, AnchorScale: config.AnchorScale));
        LargestObjectTasks.TryParse(config.Task, out var task);
        return new LargestObjectModel(backbone, task, classCount, config.Size, config.ClassLossWeight, config.HeadDropout, config.BoxHead);
    }

    /// <summary>The best model's validation metrics; for a detector also eval.json and pr_curves.png.</summary>
    private static IReadOnlyDictionary<string, double> Report(IImageModel model, BatchLoader validLoader, IReadOnlyList<string> classes, string runFolder, TorchSharp.torch.Device device)
    {
        if (model is not SsdModel detector) return ModelEvaluation.Run(model, validLoader, device);
        var report = ModelEvaluation.Detections(detector, validLoader, classes, device);
        AtomicFile.WriteAllText(Path.Combine(runFolder, "eval.json"), JsonSerializer.Serialize(ModelEvaluation.ToJson(report), new JsonSerializerOptions { WriteIndented = true }));
        Plots.PrecisionRecall(report.Curves, Path.Combine(runFolder, "pr_curves.png"));
        return new Dictionary<string, double> { ["map50"] = report.Map50, ["map50_voc07"] = report.Map50Voc07, ["map50_95"] = report.Map50To95 };
    }

    private static void RunPhases(TrainConfig config, Learner learner, double lr, ITrainingReporter reporter)
    {
        var schedule = LrSchedule.Parse(config.Schedule);
        var done = learner.History.Count;
        if (done < config.FreezeEpochs)
        {
            learner.Freeze();
            reporter.Message($"Phase 1: body frozen, head at lr {lr:0.###e+0}, {config.FreezeEpochs} epoch(s)");
            learner.Fit(config.FreezeEpochs, [lr], schedule, "frozen", startEpoch: done);
            if (learner.History.Count < config.FreezeEpochs) return; // stopped early
        }
        var unfrozen = config.Epochs - config.FreezeEpochs;
        if (unfrozen <= 0) return;
        var start = Math.Max(0, learner.History.Count - config.FreezeEpochs);
        if (start == 0) learner.ResetOptimizer(); // a fresh phase; on resume the checkpoint's state is kept
        learner.Unfreeze();
        var rates = new[] { lr / 200, lr / 20, lr / 2 };
        reporter.Message($"Phase 2: all layers, lr {string.Join(" / ", rates.Select(r => r.ToString("0.###e+0")))} by layer group, {unfrozen} epoch(s)");
        learner.Fit(unfrozen, rates, schedule, "unfrozen", startEpoch: start);
    }

    private static double ChooseLearningRate(TrainConfig config, Learner learner, string runFolder, ITrainingReporter reporter)
    {
        if (config.LearningRate is { } given) return given;
        learner.Freeze();
        reporter.Message("Finding a learning rate (LR finder, body frozen) ...");
        var result = LrFinder.Run(learner, iterations: Math.Min(100, Math.Max(30, learner.TrainData.BatchCount * 3)));
        Plots.LrFinder(result, Path.Combine(runFolder, "lr_find.png"));
        // The steepest descent is a good rate for the head; clamp to a sane range for Adam.
        var lr = Math.Clamp(result.Suggested, 1e-4, 1e-2);
        reporter.Message($"LR finder: steepest descent at {result.Suggested:0.###e+0}, minimum/10 at {result.MinimumLossRate:0.###e+0}; using {lr:0.###e+0} (lr_find.png)");
        return lr;
    }

    private static double ResumeFrom(Learner learner, string checkpoints, string runFolder)
    {
        Checkpoint.Load(learner, checkpoints);
        return TrainConfig.Load(runFolder).LearningRate
               ?? throw new SpotterException($"{runFolder}: config.json has no learning rate to resume with");
    }

    private static void PrepareFolder(string runFolder, bool resume)
    {
        if (resume) return;
        if (File.Exists(runFolder)) throw new SpotterException($"{runFolder}: is a file; --out needs a folder");
        if (File.Exists(Path.Combine(runFolder, TrainConfig.FileName)))
            throw new SpotterException($"{runFolder}: already holds a run; resume it with 'spotter train --resume {runFolder}' or choose another --out");
        Directory.CreateDirectory(runFolder);
    }

    /// <summary>samples.png: validation images, truth next to prediction, boxes in original pixels.</summary>
    public static void DrawSamples(IImageModel model, ModelInfo info, IReadOnlyList<ImageRecord> images, string path, TorchSharp.torch.Device device, int count = 6)
    {
        var picked = images.Take(count).ToList();
        if (picked.Count == 0) return;
        var predictions = new ImagePredictor(model, device).Predict(picked.Select(i => i.Path).ToList())
            .Select(p => (IReadOnlyList<PredictedBox>)p.Boxes.Where(b => b.Score >= info.DisplayThreshold).ToList()).ToList();
        var classes = info.Classes;
        using var sheet = SampleSheet.Render(picked, predictions, classes);
        ImageGrid.Save(sheet, path);
    }
}
