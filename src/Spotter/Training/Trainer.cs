using System.Text.Json;
using Spotter.Evaluation;
using Spotter.Models;
using Spotter.Runtime;
using Spotter.Visualization;
using TorchSharp;

namespace Spotter.Training;

/// <summary>
/// A whole training run, leaving a run folder: config.json, lr_find.png (when the LR finder
/// chose the rate), metrics.csv, checkpoints/ (resumable), model.bin + model.json (the best
/// epoch), losses.png, samples.png, eval.json, and for detection pr_curves.png. The recipe is
/// fastai's fine-tune: the head alone with the body frozen, then everything (or all but the first
/// <c>--keep-frozen</c> groups) with differential learning rates (lr/200, lr/20, lr/2 for the
/// three layer groups), one schedule per phase.
/// </summary>
public static class Trainer
{
    /// <param name="Report">The best model's metrics on the validation images, measured through the prediction path users call.</param>
    public sealed record Result(EvaluationReport Report, string RunFolder, double LearningRate, int EpochsDone);

    /// <param name="cancel">Stops the run before the next batch; the last finished epoch's checkpoint stays, so <c>--resume</c> continues exactly.</param>
    public static Result Train(TrainConfig config, string runFolder, ITrainingReporter? reporter = null, bool resume = false, CancellationToken cancel = default)
    {
        var created = !resume && !Directory.Exists(runFolder);
        try
        {
            return TrainInFolder(config, runFolder, reporter ?? new SilentReporter(), resume, cancel);
        }
        catch (Exception e) when (created && e is not OperationCanceledException && !Checkpoint.Exists(Path.Combine(runFolder, "checkpoints")))
        {
            // Nothing worth keeping was written (no finished epoch): leave no half-made run folder behind.
            if (Directory.Exists(runFolder)) Directory.Delete(runFolder, recursive: true);
            throw;
        }
    }

    private static Result TrainInFolder(TrainConfig config, string runFolder, ITrainingReporter reporter, bool resume, CancellationToken cancel)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        config = config.Validated();
        var device = Devices.Parse(config.Device);
        PrepareFolder(runFolder, resume);

        using var data = new TrainingData(config);
        config = data.Config;
        if (data.SizeReason is { } why) reporter.Message(why);
        if (data.Unreadable.Count > 0)
            reporter.Message($"{data.Unreadable.Count} image(s) cannot be read and are left out, e.g. {data.Unreadable[0].Message}" +
                (data.Unreadable.Count > 1 ? " ('spotter data check' lists them)" : ""));
        if (data.ValidLoader is null) throw new SpotterException($"{data.Dataset.Source}: split '{config.ValidSplit}' has no images to validate on");
        reporter.Message($"{data.Dataset.Source}: {data.Train.Count} training and {data.Valid.Count} validation images, {data.Dataset.Classes.Count} classes; {config.Task.Name()} at {config.Size}x{config.Size} on {device.type}");
        if (data.Negatives.Count > 0) reporter.Message($"{config.Negatives}: {data.Negatives.Count} background image(s) train alongside, with no objects");
        if (config.Tiling is not null)
            reporter.Message($"Sliced training: {config.Tile} px tiles, overlap {config.TileOverlap:0.##}: {data.TrainViews.Count} training and {data.ValidViews.Count} validation views (tiles with objects, and whole images with objects large enough)");
        data.Warm();

        var spec = config.ModelFor(data.Dataset.Classes);
        // A size chosen from the data was chosen by its anchor coverage, and the reason said so already.
        if (spec.Task == ModelTask.Detect && data.SizeReason is null) reporter.Message(Reports.AnchorCoverage.TrainingAdvice(data.TrainViews, spec, config.Tile));
        torch.manual_seed(config.Seed);
        using var model = ModelFactory.Create(spec);
        var precision = Precisions.ResolveForTraining(config.Precision, device.type);
        var kernels = TrainingKernels.For(device.type);
        if (kernels.Note is { } note) reporter.Message(note);
        using var learner = new Learner(model, data.TrainLoader, data.ValidLoader, new LearnerOptions
        {
            Optimizer = config.Optimizer, WeightDecay = config.WeightDecay, GradientClipNorm = config.GradientClipNorm, Device = device, Cancellation = cancel,
            CreateBf16Shadow = precision == Precision.Bf16 ? () => ModelFactory.CreateUntrained(spec).Module : null,
            ChannelsLast = kernels.ChannelsLast, AverageEpochs = config.EmaEpochs, FrozenNorm = config.FrozenNorm,
        }, config.Seed);
        if (config.FrozenNorm != FrozenNorm.None) reporter.Message(config.FrozenNorm == FrozenNorm.Body
            ? "Batch norm: the body keeps its pretrained statistics (--frozen-norm body); the head's follow the batches"
            : "Batch norm: every norm keeps its statistics (--frozen-norm all): the body's pretrained ones, the head's initial ones");
        if (precision == Precision.Bf16) reporter.Message("Precision: bf16 forward and backward, fp32 weights, optimiser, batch-norm statistics, loss and metrics");

        var checkpoints = Path.Combine(runFolder, "checkpoints");
        // A run stopped before its first epoch ended has no checkpoint: resuming it starts it again.
        var resumed = resume && Checkpoint.Exists(checkpoints) ? ResumeFrom(learner, checkpoints, reporter) : null;
        if (resume && resumed is null) reporter.Message($"{runFolder}: no finished epoch to resume from; starting the run from the beginning");
        var lr = resumed is not null
            ? config.LearningRate ?? throw new SpotterException($"{runFolder}: config.json has no learning rate to resume with")
            : ChooseLearningRate(config, learner, runFolder, reporter);
        if (resumed is null) (config with { LearningRate = lr }).Save(runFolder);

        var (metric, higherIsBetter) = model.NewMetrics().Primary;
        if (learner.Average is { } average)
            reporter.Message($"Moving average of the weights (EMA) over about {config.EmaEpochs:0.##} epoch(s): decay {average.Decay:0.####} per step; validation and model.bin use it");
        var best = new BestModelCallback(metric, higherIsBetter, () => learner.WithEvaluationWeights(() => { ModelFile.Save(model, runFolder); return true; }), checkpoints, config.Patience, resumed?.Best);
        var losses = new LossRecorder();
        foreach (var callback in new ILearnerCallback[] { new MetricsCsvCallback(Path.Combine(runFolder, "metrics.csv")), best, losses, reporter })
            learner.Add(callback);

        // Epochs of an earlier session (a resumed run) count against a time budget too.
        var earlierSeconds = learner.History.Sum(r => r.Seconds);
        RunPhases(config, learner, lr, reporter, () => clock.Elapsed.TotalSeconds + earlierSeconds, runFolder);
        var finishStart = clock.Elapsed;
        if (learner.RecomputedSteps > 0)
            reporter.Message($"{learner.RecomputedSteps} step(s) were computed again and {learner.SkippedSteps} left out: a gradient came back not finite, or more than {GradientSpikes.Factor:0} times the size of the steps before, with a finite loss " +
                "(a fault of libtorch's convolution kernels on this CPU, not of the data; README, \"AMD Zen 5\")");
        if (learner.RepeatedValidations > 0)
            reporter.Message($"{learner.RepeatedValidations} validation pass(es) were done again: libtorch read a number that TorchSharp had already freed (a race in TorchSharp 0.107, not a fault of the data)");

        Plots.Losses(losses.Points, learner.History, Path.Combine(runFolder, "losses.png"));
        using var detector = Detector.Load(runFolder, config.Device);
        detector.Tiling = config.Tiling; // model.json gives the tile; this keeps the run's overlap too
        var found = DetectorEvaluation.DetectAll(detector, data.Valid, config.Batch);
        var report = DetectorEvaluation.FromDetections(detector.Info, data.Valid, found);
        WriteReport(report, detector.Spec, runFolder);
        DrawSamples(detector, data.Valid, found, Path.Combine(runFolder, "samples.png"));
        Reports.RunReport.Write(runFolder, detector, data.Dataset, config.ValidSplit, data.Valid, found);
        reporter.Message($"Best epoch by {metric}, measured again on the {data.Valid.Count} validation images: {string.Join(", ", report.Metrics.Select(m => $"{m.Key} {m.Value:0.####}"))}");
        if (config.TimeBudgetSeconds is { } budget)
            reporter.Message($"Time: {clock.Elapsed.TotalMinutes:0.0} min of a {budget / 60:0.#} min budget ({clock.Elapsed.TotalSeconds / budget:P0}){(resume ? " in this session" : "")}; " +
                $"the final evaluation and report took {(clock.Elapsed - finishStart).TotalSeconds:0} s");
        return new Result(report, runFolder, lr, learner.History.Count);
    }

    /// <summary>The learning-rate range test on the config's training split, with the head alone unless <paramref name="unfrozen"/>; plotted to <paramref name="plotPath"/>.</summary>
    public static LrFindResult FindLearningRate(TrainConfig config, string plotPath, int iterations = 100, bool unfrozen = false)
    {
        using var data = new TrainingData(config.Validated());
        torch.manual_seed(config.Seed);
        var spec = data.Config.ModelFor(data.Dataset.Classes);
        using var model = ModelFactory.Create(spec);
        var device = Devices.Parse(config.Device);
        var kernels = TrainingKernels.For(device.type);
        using var learner = new Learner(model, data.TrainLoader, null, new LearnerOptions { Device = device, ChannelsLast = kernels.ChannelsLast, FrozenNorm = config.FrozenNorm }, config.Seed);
        if (!unfrozen) learner.Freeze();
        var result = LrFinder.Run(learner, iterations: iterations);
        Plots.LrFinder(result, plotPath);
        return result;
    }

    /// <summary>eval.json (the shape of <c>spotter eval --json</c>) and, for a detector, pr_curves.png.</summary>
    private static void WriteReport(EvaluationReport report, ModelSpec spec, string runFolder)
    {
        AtomicFile.WriteAllText(Path.Combine(runFolder, "eval.json"), JsonSerializer.Serialize(report.ToJson(), new JsonSerializerOptions { WriteIndented = true }));
        if (report.Map is { } map) Plots.PrecisionRecall(map.Curves, Path.Combine(runFolder, "pr_curves.png"));
    }

    private static void RunPhases(TrainConfig config, Learner learner, double lr, ITrainingReporter reporter, Func<double> elapsedSeconds, string runFolder)
    {
        var schedule = new LrSchedule(config.Schedule, CycleMomentum: config.CycleMomentum);
        var done = learner.History.Count;
        if (done < config.FreezeEpochs)
        {
            learner.Freeze();
            reporter.Message($"Phase 1: body frozen, head at lr {lr:0.###e+0}, {config.FreezeEpochs} epoch(s)");
            var onlyPhase = config.Epochs == config.FreezeEpochs; // mosaics close, and validation gathers, in the run's last phase
            learner.Fit(config.FreezeEpochs, [lr], schedule, "frozen", startEpoch: done, closeMosaic: onlyPhase,
                validates: (epoch, epochs) => config.Validation.Validates(epoch, epochs, onlyPhase));
            if (learner.History.Count < config.FreezeEpochs) return; // stopped early
        }
        var start = Math.Max(0, learner.History.Count - config.FreezeEpochs);
        Func<int, int?>? revisePlan = null;
        if (start == 0 && config.TimeBudgetSeconds is { } budget)
        {
            config = PlanForBudget(config, learner, budget, elapsedSeconds, reporter); // its probe steps touch the optimiser's state, reset below
            config.Save(runFolder); // a resumed run follows the same plan
            revisePlan = BudgetReviser(config, learner, budget, elapsedSeconds, reporter, runFolder);
        }
        var unfrozen = config.Epochs - config.FreezeEpochs;
        if (unfrozen <= 0) return;
        if (start == 0) learner.ResetOptimizer(); // a fresh phase; on resume the checkpoint's state is kept
        learner.FreezeTo(config.KeepFrozen);
        var rates = UnfrozenRates(lr, config.LrRatio);
        var training = config.KeepFrozen == 0 ? "all layers" : $"the first {config.KeepFrozen} layer group(s) kept frozen (--keep-frozen), the rest";
        reporter.Message($"Phase 2: {training} at lr {string.Join(" / ", rates.Skip(config.KeepFrozen).Select(r => r.ToString("0.###e+0")))} by layer group, {unfrozen} epoch(s)");
        if (config.Mosaic > 0) // detection only (TrainConfig checks)
            reporter.Message($"Mosaics in {config.Mosaic:P0} of the training views, of four images each at {config.MosaicScale:P0} of the input size, none in the last {Data.Loading.Mosaic.ClosingFraction:P0} of the epochs");
        if (config.CopyPaste > 0)
            reporter.Message($"Pastes: in {config.CopyPaste:P0} of the training views an object from another image beside one of the view's, where one fits, none in the last {Data.Loading.Mosaic.ClosingFraction:P0} of the epochs");
        if (config.ValidateEvery > 1)
            reporter.Message($"Validation every {config.ValidateEvery} epochs, and after the first, the last and each epoch of the last third, where the best one is chosen (--validate-every)");
        learner.Fit(unfrozen, rates, schedule, "unfrozen", startEpoch: start, revisePlan: revisePlan, closeMosaic: true,
            validates: (epoch, epochs) => config.Validation.Validates(epoch, epochs, lastPhase: true));
    }

    /// <summary>
    /// The three layer groups' peak rates once the body is unfrozen: the head at half the frozen
    /// phase's rate (its weights are already trained), each group before it <paramref name="ratio"/>
    /// times slower (lesson 8's differential learning rates).
    /// </summary>
    public static double[] UnfrozenRates(double lr, double ratio) => [lr / 2 / (ratio * ratio), lr / 2 / ratio, lr / 2];

    /// <summary>
    /// Re-plans a budgeted second phase from its measured epochs (wall-clock time, so checkpoints
    /// and a slower machine count), saving each change to config.json. An epoch's cost is the
    /// median of the last three epochs without their validation, plus the last validation's time
    /// for each validated epoch to come: the first unfrozen epochs run slower (on bccd at 384 px
    /// 153 and 145 s, then 115-132 s), and a median over all of them ended a 25-minute run at 90 %.
    /// </summary>
    private static Func<int, int?> BudgetReviser(TrainConfig config, Learner learner, double budget, Func<double> elapsedSeconds, ITrainingReporter reporter, string runFolder)
    {
        var epochEnd = elapsedSeconds();
        var durations = new List<double>();
        var planned = config.Epochs - config.FreezeEpochs;
        return done =>
        {
            var now = elapsedSeconds();
            durations.Add(now - epochEnd - learner.History[^1].ValidationSeconds);
            epochEnd = now;
            var validation = LastValidationSeconds(learner);
            var cost = new TimeBudget.EpochCost(Median(durations.TakeLast(3).ToList()), validation, config.Validation);
            var revised = TimeBudget.Revise(planned, done, cost, budget - now, TimeBudget.FinishSeconds(validation));
            if (revised == planned) return null;
            reporter.Message($"Time budget: an unfrozen epoch takes {cost.Seconds:0} s and a validation {validation:0} s, so {revised} unfrozen epoch(s) fit, not {planned}");
            planned = revised;
            config = config with { Epochs = config.FreezeEpochs + revised };
            config.Save(runFolder);
            return revised;
        };
    }

    /// <summary>The last validation pass's seconds (epochs without one took none).</summary>
    private static double LastValidationSeconds(Learner learner) => learner.History.LastOrDefault(r => r.Validated)?.ValidationSeconds ?? 0;

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        var middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /// <summary>The second phase's epochs for a time budget: measured step and validation times against what is left.</summary>
    private static TrainConfig PlanForBudget(TrainConfig config, Learner learner, double budget, Func<double> elapsedSeconds, ITrainingReporter reporter)
    {
        learner.FreezeTo(config.KeepFrozen); // the step the second phase will take
        var step = learner.MeasureStepSeconds();
        var validation = learner.History.Any(r => r.Validated) ? LastValidationSeconds(learner) : TimeValidation(learner);
        var elapsed = elapsedSeconds();
        var cost = new TimeBudget.EpochCost(step * learner.TrainData.BatchCount, validation, config.Validation);
        var epochs = TimeBudget.EpochsThatFit(budget - elapsed, cost, TimeBudget.FinishSeconds(validation));
        var validated = config.Validation.Count(0, epochs, lastPhase: true);
        reporter.Message($"Time budget {budget / 60:0.#} min: {elapsed / 60:0.#} min used; an unfrozen step takes {step:0.00} s ({learner.TrainData.BatchCount} per epoch) and a validation {validation:0.0} s, " +
            $"so {epochs} unfrozen epoch(s) fit{(validated < epochs ? $", {validated} of them validated" : "")}");
        return config with { Epochs = config.FreezeEpochs + epochs };
    }

    private static double TimeValidation(Learner learner)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        learner.Validate();
        return clock.Elapsed.TotalSeconds;
    }

    private static double ChooseLearningRate(TrainConfig config, Learner learner, string runFolder, ITrainingReporter reporter)
    {
        if (config.LearningRate is { } given) return given;
        learner.Freeze();
        reporter.Message("Finding a learning rate (LR finder, body frozen) ...");
        var result = LrFinder.Run(learner, iterations: Math.Min(100, Math.Max(30, learner.TrainData.BatchCount * 3)));
        Plots.LrFinder(result, Path.Combine(runFolder, "lr_find.png"));
        // Clamped to the range in which AdamW trains these heads.
        var lr = Math.Clamp(result.Suggested, 1e-4, 1e-2);
        reporter.Message($"LR finder: lowest loss at {result.Suggested:0.###e+0}; using {lr:0.###e+0}{(lr != result.Suggested ? " (kept within 1e-4..1e-2)" : "")} (lr_find.png)");
        return lr;
    }

    private static Checkpoint.State ResumeFrom(Learner learner, string checkpoints, ITrainingReporter reporter)
    {
        var state = Checkpoint.Load(learner, checkpoints, out var fellBack);
        if (fellBack is not null) reporter.Message(fellBack);
        return state;
    }

    private static void PrepareFolder(string runFolder, bool resume)
    {
        if (resume) return;
        if (File.Exists(runFolder)) throw new SpotterException($"{runFolder}: is a file; --out needs a folder");
        if (File.Exists(Path.Combine(runFolder, TrainConfig.FileName)))
            throw new SpotterException($"{runFolder}: already holds a run; resume it with 'spotter train --resume {runFolder}' or choose another --out");
        Directory.CreateDirectory(runFolder);
    }

    /// <summary>samples.png: validation images, truth next to prediction (at the display threshold), boxes in original pixels.</summary>
    private static void DrawSamples(Detector detector, IReadOnlyList<Data.ImageRecord> images, IReadOnlyList<IReadOnlyList<Detection>> found, string path, int count = 6)
    {
        var picked = images.Take(count).ToList();
        if (picked.Count == 0) return;
        var predictions = found.Take(count).Select(f => (IReadOnlyList<Detection>)f.Where(d => d.Score >= detector.Info.DefaultThreshold).ToList()).ToList();
        using var sheet = SampleSheet.Render(picked, predictions, detector.Classes);
        ImageGrid.Save(sheet, path);
    }
}
