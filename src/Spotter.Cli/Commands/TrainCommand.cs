using System.CommandLine;
using Spotter.Data;
using Spotter.Models.Largest;
using Spotter.Models.Ssd;
using Spotter.Training;

namespace Spotter.Cli.Commands;

/// <summary>
/// `spotter train`: train a model and leave a run folder. The head settings' options come from
/// <see cref="LargestHeadOptions"/> and <see cref="DetectorOptions"/> themselves.
/// </summary>
public static class TrainCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var dataset = new Argument<string?>("DATASET") { Description = "The training data (see 'spotter data --help'); not needed with --resume", Arity = ArgumentArity.ZeroOrOne };
        var task = TaskOption();
        var outFolder = new Option<string?>("--out") { Description = "The run folder to create" };
        var resume = new Option<string?>("--resume") { Description = "Continue the run in this folder from its last checkpoint" };
        var defaults = new TrainConfig { Dataset = "", Task = ModelTask.Detect };
        var backbone = new Option<string>("--backbone") { Description = "resnet18-imagenet, resnet18|34|50[:PATH], tiny (see 'spotter info')", DefaultValueFactory = _ => defaults.Backbone };
        var epochs = new Option<int>("--epochs") { Description = "Epochs in all", DefaultValueFactory = _ => defaults.Epochs };
        var time = new Option<string?>("--time") { Description = "Train within this wall-clock time (20m, 1h30m, 90s): after the frozen epochs, as many unfrozen epochs as fit, with their schedule complete (--epochs is then ignored)" };
        var freezeEpochs = new Option<int>("--freeze-epochs") { Description = "Of which, epochs with the body frozen (head only)", DefaultValueFactory = _ => defaults.FreezeEpochs };
        var size = new Option<int?>("--size") { Description = $"Input size in pixels (images are squashed to size x size; a multiple of 32). Default for a detector: chosen from the training boxes (the smallest of {string.Join(", ", Spotter.Reports.AnchorCoverage.SizeChoices)} at which the anchors reach 95 % of every class); otherwise {defaults.Size}" };
        var batch = new Option<int>("--batch") { Description = "Batch size", DefaultValueFactory = _ => defaults.Batch };
        var lr = new Option<double?>("--lr") { Description = "The head's maximum learning rate (default: the LR finder's suggestion)" };
        var schedule = EnumOption<ScheduleKind>("--schedule", "Learning-rate schedule of each phase", defaults.Schedule);
        var optimizer = EnumOption<OptimizerKind>("--optimizer", "Optimiser", defaults.Optimizer);
        var weightDecay = new Option<double>("--weight-decay") { DefaultValueFactory = _ => defaults.WeightDecay, Description = "Weight decay" };
        var clipNorm = new Option<double>("--clip-norm") { Description = "Clip the gradient norm to this (0: off)", DefaultValueFactory = _ => 0 };
        var trainSplit = new Option<string>("--train-split") { DefaultValueFactory = _ => defaults.TrainSplit, Description = "Split to train on, or a .txt/.csv file listing its images" };
        var validSplit = new Option<string>("--valid-split") { DefaultValueFactory = _ => defaults.ValidSplit, Description = "Split to validate on, or a .txt/.csv file listing its images (a random 20% when the dataset has no splits)" };
        var lrRatio = new Option<double>("--lr-ratio") { Description = "After unfreezing, each layer group learns this many times slower than the next (body lr/200 and lr/20, head lr/2 at 10; 1: one rate)", DefaultValueFactory = _ => defaults.LrRatio };
        var keepFrozen = new Option<int>("--keep-frozen") { Description = "Layer groups kept frozen after the frozen epochs: 1 keeps the stem and the stride-4/8 stages as ImageNet trained them: no gradients on the largest maps, so faster epochs; suits photos like ImageNet's, costs accuracy on others; 0 trains every layer", DefaultValueFactory = _ => defaults.KeepFrozen };
        var cycleMomentum = new Option<bool>("--cycle-momentum") { Description = "With one-cycle, also cycle the momentum (Adam's beta1) 0.95 -> 0.85 -> 0.95, against the rate (fastai's moms)" };
        var noAugment = new Option<bool>("--no-augment") { Description = "Turn off flips, rotations, lighting changes and zoom" };
        var zoom = new Option<double>("--zoom") { Description = "detect: scale jitter, half the training images zoomed in (cropped) or out (shrunk onto grey) by up to this factor (1: off)", DefaultValueFactory = _ => defaults.Zoom };
        var mosaic = new Option<double>("--mosaic") { Description = "detect: the share of training images that are mosaics of four images (0: off); the last 15 % of the epochs train without", DefaultValueFactory = _ => defaults.Mosaic };
        var copyPaste = new Option<double>("--copy-paste") { Description = "detect: the share of training images that get an object from another image pasted beside one of theirs, where one fits (0: off); the last 15 % of the epochs train without", DefaultValueFactory = _ => defaults.CopyPaste };
        var mosaicScale = new Option<double>("--mosaic-scale") { Description = "detect: the share of the input size each of a mosaic's four images is scaled to: 0.5 shows them whole and smaller, 1 a part of each at its own size", DefaultValueFactory = _ => defaults.MosaicScale };
        var colorJitter = new Option<double?>("--color-jitter") { Description = "Vary each training image's brightness, contrast and saturation by up to this much (default: brightness and contrast by 0.05)" };
        var negatives = new Option<string?>("--negatives") { Description = "detect: background images without any of the objects (a folder, file or glob); they train as images with no boxes, against false detections" };
        var ema = new Option<double>("--ema") { Description = "Validate and save a moving average of the weights (EMA) spanning about this many epochs, instead of the last step's weights (0: off)", DefaultValueFactory = _ => defaults.EmaEpochs };
        var frozenNorm = EnumOption("--frozen-norm", "Batch norms that keep their statistics while training, so the validated and saved model normalises as it trained (scale and shift still learn): the body's keep the pretrained ones, the head's (with all) their start", defaults.FrozenNorm);
        var validateEvery = new Option<int?>("--validate-every") { Description = $"Validate every Nth epoch, plus the first and last of each phase and every epoch of the run's last third, where the best is chosen (default 1; {ValidationSchedule.BudgetedEvery} with --time, whose budget then buys more training epochs)" };
        var patience = new Option<int>("--patience") { Description = "Stop after this many validated epochs without improvement (0: never)", DefaultValueFactory = _ => 0 };
        var device = new Option<string>("--device") { Description = "auto, cpu or cuda", DefaultValueFactory = _ => defaults.Device };
        var precision = ModelOpener.PrecisionOption();
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 0, Description = "Random seed" };
        var images = DataCommand.ImagesOption();
        var tiles = new TileOptions();
        tiles.Tile.Description = "Sliced training for small objects in large images: images over 1.5 tiles train as overlapping tiles of this many of their own pixels ('auto': --size) and whole; validation runs tiled; model.json keeps the tile, so detect, eval and serve run the model tiled by default";
        var largest = new SettingsOptions<LargestHeadOptions>(defaults.Largest);
        var detector = new SettingsOptions<DetectorOptions>(defaults.Detector);
        var command = new Command("train", "Train a model from a pretrained backbone and write a run folder.")
        {
            dataset, task, outFolder, resume, backbone, epochs, time, freezeEpochs, size, batch, lr, schedule, optimizer, weightDecay,
            clipNorm, trainSplit, validSplit, noAugment, zoom, mosaic, mosaicScale, copyPaste, colorJitter, lrRatio, keepFrozen, frozenNorm, cycleMomentum, negatives, ema, validateEvery, patience, device, precision, seed, images,
        };
        foreach (var option in largest.Options.Concat(detector.Options).Concat(tiles.All)) command.Options.Add(option);
        command.SetAction(parse => SpotterCli.Guard(error, () =>
        {
            var reporter = new ConsoleReporter(output, error, SpotterCli.IsInteractive(error));
            using var cancel = SpotterCli.CancelOnCtrlC(error, "stopping after this batch; the last finished epoch is kept (spotter train --resume)");
            if (parse.GetValue(resume) is { } runFolder)
                return Finish(Trainer.Train(TrainConfig.Load(runFolder), runFolder, reporter, resume: true, cancel.Token), output);
            var config = new TrainConfig
            {
                Dataset = parse.GetValue(dataset) ?? throw new SpotterException("give the DATASET to train on (or --resume RUN_DIR)"),
                Task = EnumNames.Parse<ModelTask>(parse.GetValue(task) ?? throw new SpotterException($"give --task ({string.Join(", ", EnumNames.All<ModelTask>())})"), "--task"),
                Backbone = parse.GetValue(backbone)!,
                // With a time budget the unfrozen epochs are planned later; --epochs only has to admit the frozen ones.
                Epochs = parse.GetValue(time) is null ? parse.GetValue(epochs) : Math.Max(parse.GetValue(epochs), parse.GetValue(freezeEpochs) + 1),
                FreezeEpochs = Math.Min(parse.GetValue(freezeEpochs), parse.GetValue(epochs)),
                TimeBudgetSeconds = parse.GetValue(time) is { } budget ? TimeBudget.Parse(budget).TotalSeconds : null,
                Size = parse.GetValue(size) ?? defaults.Size, Batch = parse.GetValue(batch), LearningRate = parse.GetValue(lr),
                Schedule = EnumNames.Parse<ScheduleKind>(parse.GetValue(schedule)!, "--schedule"), CycleMomentum = parse.GetValue(cycleMomentum), Optimizer = EnumNames.Parse<OptimizerKind>(parse.GetValue(optimizer)!, "--optimizer"),
                WeightDecay = parse.GetValue(weightDecay), GradientClipNorm = parse.GetValue(clipNorm),
                Largest = largest.Apply(parse, defaults.Largest), Detector = detector.Apply(parse, defaults.Detector),
                TrainSplit = SplitArgument(parse.GetValue(trainSplit)!), ValidSplit = SplitArgument(parse.GetValue(validSplit)!),
                Augment = !parse.GetValue(noAugment), Zoom = parse.GetValue(zoom), Mosaic = parse.GetValue(mosaic), MosaicScale = parse.GetValue(mosaicScale), CopyPaste = parse.GetValue(copyPaste), LrRatio = parse.GetValue(lrRatio), KeepFrozen = parse.GetValue(keepFrozen), FrozenNorm = EnumNames.Parse<FrozenNorm>(parse.GetValue(frozenNorm)!, "--frozen-norm"), ColorJitter = parse.GetValue(colorJitter), Negatives = parse.GetValue(negatives), EmaEpochs = parse.GetValue(ema), ValidateEvery = parse.GetValue(validateEvery) ?? (parse.GetValue(time) is null ? 1 : ValidationSchedule.BudgetedEvery), Patience = parse.GetValue(patience), Device = parse.GetValue(device)!, Seed = parse.GetValue(seed),
                Precision = ModelOpener.ParsePrecision(parse.GetValue(precision)!),
                ImageFolder = parse.GetValue(images),
                Tile = tiles.Parse(parse) is { } tiling ? tiling.SideFor(parse.GetValue(size) ?? defaults.Size) : null,
                TileOverlap = parse.GetValue(tiles.Overlap),
            };
            // A detector given no --size takes one from its data (not with tiles: they keep objects at their own size).
            if (parse.GetValue(size) is null && config.Task == ModelTask.Detect && config.Tile is null) config = config with { SizeFromData = true };
            var folder = parse.GetValue(outFolder) ?? throw new SpotterException("give --out RUN_DIR, the run folder to create");
            return Finish(Trainer.Train(config, folder, reporter, resume: false, cancel.Token), output);
        }));
        return command;
    }

    /// <summary>A split list file found from the working folder is recorded by its full path, so --resume and report find it from anywhere.</summary>
    public static string SplitArgument(string split) => SplitList.IsListFile(split) && File.Exists(split) ? Path.GetFullPath(split) : split;

    /// <summary>--task, its choices from <see cref="ModelTask"/>.</summary>
    public static Option<string?> TaskOption()
    {
        var option = new Option<string?>("--task") { Description = "classify-largest, locate-largest, largest (class + box, one model) or detect" };
        option.AcceptOnlyFromAmong([.. EnumNames.All<ModelTask>()]);
        return option;
    }

    private static Option<string> EnumOption<T>(string name, string description, T defaultValue) where T : struct, Enum
    {
        var option = new Option<string>(name) { Description = $"{description}: {string.Join(", ", EnumNames.All<T>())}", DefaultValueFactory = _ => defaultValue.Name() };
        option.AcceptOnlyFromAmong([.. EnumNames.All<T>()]);
        return option;
    }

    private static int Finish(Trainer.Result result, TextWriter output)
    {
        var extra = result.Report.Map is not null ? ", pr_curves.png" : "";
        output.WriteLine($"Run folder: {result.RunFolder} (model.bin + model.json, report.html, metrics.csv, losses.png, samples.png, eval.json{extra}, checkpoints/)");
        return SpotterCli.Success;
    }
}
