using System.CommandLine;
using Spotter.Data;
using Spotter.Data.Loading;
using Spotter.Models.Backbones;
using Spotter.Models.Largest;
using Spotter.Runtime;
using Spotter.Training;
using Spotter.Visualization;

namespace Spotter.Cli.Commands;

/// <summary>`spotter lr-find`: the learning-rate range test, plotted.</summary>
public static class LrFindCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var dataset = DataCommand.DatasetArgument();
        var task = new Option<string>("--task") { Description = "classify-largest, locate-largest, largest or detect", Required = true };
        var outFile = new Option<string>("--out") { Description = "The PNG plot to write", Required = true };
        var backbone = new Option<string>("--backbone") { DefaultValueFactory = _ => BackboneCatalog.ImageNetResNet18, Description = "Backbone" };
        var size = new Option<int>("--size") { DefaultValueFactory = _ => 224, Description = "Input size" };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 32, Description = "Batch size" };
        var iterations = new Option<int>("--iterations") { DefaultValueFactory = _ => 100, Description = "Most mini-batches in the sweep" };
        var unfrozen = new Option<bool>("--unfrozen") { Description = "Sweep with every layer trainable (default: head only, body frozen)" };
        var device = new Option<string>("--device") { DefaultValueFactory = _ => "auto", Description = "auto, cpu or cuda" };
        var images = DataCommand.ImagesOption();
        var command = new Command("lr-find", "Sweep the learning rate over a few batches and plot the loss (Leslie Smith's range test).")
            { dataset, task, outFile, backbone, size, batch, iterations, unfrozen, device, images };
        command.SetAction(parse => SpotterCli.Guard(error, () =>
        {
            var config = new TrainConfig { Dataset = parse.GetValue(dataset)!, Task = parse.GetValue(task)!, Backbone = parse.GetValue(backbone)!, Size = parse.GetValue(size), Batch = parse.GetValue(batch) };
            config.Validate();
            if (!Trainer.Tasks.Contains(config.Task)) throw new SpotterException($"unknown --task '{config.Task}'; choose {string.Join(", ", Trainer.Tasks)}");
            var target = Devices.Parse(parse.GetValue(device)!);
            var data = DatasetLoader.Load(parse.GetValue(dataset)!, parse.GetValue(images));
            var train = DatasetSplits.Select(data, "train").Where(i => Spotter.Models.ModelInfo.CanUse(config.Task, i)).ToList();
            var inputSize = parse.GetValue(size);
            using var store = new ImageStore(inputSize, train.Count);
            var loader = new BatchLoader(train, store, new AugmentOptions(inputSize), parse.GetValue(batch), shuffle: true);
            using var model = Trainer.CreateModel(config, data.Classes.Count);
            using var learner = new Learner(model, loader, null, new LearnerOptions { Device = target });
            if (!parse.GetValue(unfrozen)) learner.Freeze();
            var result = LrFinder.Run(learner, iterations: parse.GetValue(iterations));
            Plots.LrFinder(result, parse.GetValue(outFile)!);
            output.WriteLine($"Swept {result.LearningRates.Count} batches from {result.LearningRates[0]:0.#e+0} to {result.LearningRates[^1]:0.#e+0}");
            output.WriteLine($"Steepest descent at lr {result.Suggested:0.###e+0}; a tenth of the minimum's rate: {result.MinimumLossRate:0.###e+0}");
            output.WriteLine($"Wrote {parse.GetValue(outFile)}");
            return SpotterCli.Success;
        }));
        return command;
    }
}
