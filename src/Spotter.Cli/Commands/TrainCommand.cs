using System.CommandLine;
using Spotter.Training;

namespace Spotter.Cli.Commands;

/// <summary>`spotter train`: train a model and leave a run folder.</summary>
public static class TrainCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var dataset = new Argument<string?>("DATASET") { Description = "The training data (see 'spotter data --help'); not needed with --resume", Arity = ArgumentArity.ZeroOrOne };
        var task = new Option<string?>("--task") { Description = "classify-largest, locate-largest, largest (class + box, one model) or detect" };
        var outFolder = new Option<string?>("--out") { Description = "The run folder to create" };
        var resume = new Option<string?>("--resume") { Description = "Continue the run in this folder from its last checkpoint" };
        var defaults = new TrainConfig { Dataset = "", Task = "" };
        var backbone = new Option<string>("--backbone") { Description = "resnet18-imagenet, resnet18|34|50[:PATH], tiny (see 'spotter info')", DefaultValueFactory = _ => defaults.Backbone };
        var epochs = new Option<int>("--epochs") { Description = "Epochs in all", DefaultValueFactory = _ => defaults.Epochs };
        var freezeEpochs = new Option<int>("--freeze-epochs") { Description = "Of which, epochs with the body frozen (head only)", DefaultValueFactory = _ => defaults.FreezeEpochs };
        var size = new Option<int>("--size") { Description = "Input size in pixels (images are squashed to size x size; a multiple of 32)", DefaultValueFactory = _ => defaults.Size };
        var batch = new Option<int>("--batch") { Description = "Batch size", DefaultValueFactory = _ => defaults.Batch };
        var lr = new Option<double?>("--lr") { Description = "The head's maximum learning rate (default: the LR finder's suggestion)" };
        var schedule = new Option<string>("--schedule") { Description = "one-cycle, sgdr or constant", DefaultValueFactory = _ => defaults.Schedule };
        var optimizer = new Option<string>("--optimizer") { Description = "adamw or sgd", DefaultValueFactory = _ => defaults.Optimizer };
        var weightDecay = new Option<double>("--weight-decay") { DefaultValueFactory = _ => defaults.WeightDecay, Description = "Weight decay" };
        var clipNorm = new Option<double>("--clip-norm") { Description = "Clip the gradient norm to this (0: off)", DefaultValueFactory = _ => 0 };
        var classWeight = new Option<double>("--class-weight") { Description = "largest: weight of cross-entropy against the L1 box loss", DefaultValueFactory = _ => defaults.ClassLossWeight };
        var headDropout = new Option<double>("--head-dropout") { Description = "Multiplies the head's dropout (1: the lessons' 0.25/0.5; 0: none)", DefaultValueFactory = _ => defaults.HeadDropout };
        var boxHead = new Option<string>("--box-head") { Description = "locate-largest, largest: cells (every stride-8 cell proposes a box and votes, trained densely) or lesson (flatten -> linear)", DefaultValueFactory = _ => defaults.BoxHead };
        var anchors = new Option<string>("--anchors") { Description = "detect: default (feature maps at strides 8-64) or lesson (4x4, 2x2, 1x1)", DefaultValueFactory = _ => defaults.Anchors };
        var boxCoder = new Option<string>("--box-coder") { Description = "detect: ssd (offsets with variances) or lesson (tanh around the anchor)", DefaultValueFactory = _ => defaults.BoxCoder };
        var zooms = new Option<double[]?>("--anchor-zooms") { Description = "detect: anchor zooms at every cell (default 0.7 1 1.4)", AllowMultipleArgumentsPerToken = true };
        var ratios = new Option<double[]?>("--anchor-ratios") { Description = "detect: anchor width/height ratios (default 1 0.5 2)", AllowMultipleArgumentsPerToken = true };
        var anchorScale = new Option<double>("--anchor-scale") { Description = "detect: anchor width in grid cells at zoom 1", DefaultValueFactory = _ => defaults.AnchorScale };
        var trainSplit = new Option<string>("--train-split") { DefaultValueFactory = _ => defaults.TrainSplit, Description = "Split to train on" };
        var validSplit = new Option<string>("--valid-split") { DefaultValueFactory = _ => defaults.ValidSplit, Description = "Split to validate on (a random 20% when the dataset has no splits)" };
        var noAugment = new Option<bool>("--no-augment") { Description = "Turn off flips, rotations and lighting changes" };
        var patience = new Option<int>("--patience") { Description = "Stop after this many epochs without improvement (0: never)", DefaultValueFactory = _ => 0 };
        var device = new Option<string>("--device") { Description = "auto, cpu or cuda", DefaultValueFactory = _ => defaults.Device };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 0, Description = "Random seed" };
        var images = DataCommand.ImagesOption();
        var command = new Command("train", "Train a model from a pretrained backbone and write a run folder.")
        {
            dataset, task, outFolder, resume, backbone, epochs, freezeEpochs, size, batch, lr, schedule, optimizer, weightDecay,
            clipNorm, classWeight, headDropout, boxHead, anchors, boxCoder, zooms, ratios, anchorScale, trainSplit, validSplit, noAugment, patience, device, seed, images,
        };
        command.SetAction(parse => SpotterCli.Guard(error, () =>
        {
            var reporter = new ConsoleReporter(output, error, !Console.IsErrorRedirected && ReferenceEquals(error, Console.Error));
            if (parse.GetValue(resume) is { } runFolder)
            {
                var saved = TrainConfig.Load(runFolder);
                return Finish(Run(saved, runFolder, reporter, resume: true), output);
            }
            var config = new TrainConfig
            {
                Dataset = parse.GetValue(dataset) ?? throw new SpotterException("give the DATASET to train on (or --resume RUN_DIR)"),
                Task = parse.GetValue(task) ?? throw new SpotterException($"give --task ({string.Join(", ", Trainer.Tasks)})"),
                Backbone = parse.GetValue(backbone)!, Epochs = parse.GetValue(epochs), FreezeEpochs = Math.Min(parse.GetValue(freezeEpochs), parse.GetValue(epochs)),
                Size = parse.GetValue(size), Batch = parse.GetValue(batch), LearningRate = parse.GetValue(lr), Schedule = parse.GetValue(schedule)!,
                Optimizer = parse.GetValue(optimizer)!, WeightDecay = parse.GetValue(weightDecay), GradientClipNorm = parse.GetValue(clipNorm),
                ClassLossWeight = parse.GetValue(classWeight), HeadDropout = parse.GetValue(headDropout), BoxHead = parse.GetValue(boxHead)!, Anchors = parse.GetValue(anchors)!, BoxCoder = parse.GetValue(boxCoder)!, AnchorZooms = NullIfEmpty(parse.GetValue(zooms)), AnchorRatios = NullIfEmpty(parse.GetValue(ratios)), AnchorScale = parse.GetValue(anchorScale), TrainSplit = parse.GetValue(trainSplit)!, ValidSplit = parse.GetValue(validSplit)!,
                Augment = !parse.GetValue(noAugment), Patience = parse.GetValue(patience), Device = parse.GetValue(device)!, Seed = parse.GetValue(seed),
                ImageFolder = parse.GetValue(images),
            };
            var folder = parse.GetValue(outFolder) ?? throw new SpotterException("give --out RUN_DIR, the run folder to create");
            return Finish(Run(config, folder, reporter, resume: false), output);
        }));
        return command;
    }

    private static double[]? NullIfEmpty(double[]? values) => values is { Length: > 0 } ? values : null;

    private static Trainer.Result Run(TrainConfig config, string folder, ITrainingReporter reporter, bool resume) =>
        Trainer.Train(config, folder, reporter, resume);

    private static int Finish(Trainer.Result result, TextWriter output)
    {
        var extra = result.Metrics.ContainsKey("map50") ? ", eval.json, pr_curves.png" : "";
        output.WriteLine($"Run folder: {result.RunFolder} (model.bin + model.json, metrics.csv, losses.png, samples.png{extra}, checkpoints/)");
        return SpotterCli.Success;
    }
}
