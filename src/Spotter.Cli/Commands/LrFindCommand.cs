using System.CommandLine;
using Spotter.Models.Backbones;
using Spotter.Training;

namespace Spotter.Cli.Commands;

/// <summary>`spotter lr-find`: the learning-rate range test, plotted.</summary>
public static class LrFindCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var dataset = DataCommand.DatasetArgument();
        var task = TrainCommand.TaskOption();
        task.Required = true;
        var outFile = new Option<string>("--out") { Description = "The PNG plot to write", Required = true };
        var backbone = new Option<string>("--backbone") { DefaultValueFactory = _ => BackboneCatalog.ImageNetResNet18, Description = "Backbone" };
        var size = new Option<int>("--size") { DefaultValueFactory = _ => 224, Description = "Input size" };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 16, Description = "Batch size" };
        var split = new Option<string>("--split") { DefaultValueFactory = _ => "train", Description = "Split to sweep over" };
        var iterations = new Option<int>("--iterations") { DefaultValueFactory = _ => 100, Description = "Most mini-batches in the sweep" };
        var unfrozen = new Option<bool>("--unfrozen") { Description = "Sweep with every layer trainable (default: head only, body frozen)" };
        var device = new Option<string>("--device") { DefaultValueFactory = _ => "auto", Description = "auto, cpu or cuda" };
        var images = DataCommand.ImagesOption();
        var command = new Command("lr-find", "Sweep the learning rate over a few batches and plot the loss (Leslie Smith's range test).")
            { dataset, task, outFile, backbone, size, batch, split, iterations, unfrozen, device, images };
        command.SetAction(parse => SpotterCli.Guard(error, () =>
        {
            var config = new TrainConfig
            {
                Dataset = parse.GetValue(dataset)!, ImageFolder = parse.GetValue(images), Task = EnumNames.Parse<ModelTask>(parse.GetValue(task)!, "--task"),
                Backbone = parse.GetValue(backbone)!, Size = parse.GetValue(size), Batch = parse.GetValue(batch), TrainSplit = parse.GetValue(split)!,
                Device = parse.GetValue(device)!,
            };
            var result = Trainer.FindLearningRate(config, parse.GetValue(outFile)!, parse.GetValue(iterations), parse.GetValue(unfrozen));
            output.WriteLine($"Swept {result.LearningRates.Count} batches from {result.LearningRates[0]:0.#e+0} to {result.LearningRates[^1]:0.#e+0}");
            output.WriteLine($"Lowest loss (centred average) at lr {result.Suggested:0.###e+0}: the suggested rate");
            output.WriteLine($"Wrote {parse.GetValue(outFile)}");
            return SpotterCli.Success;
        }));
        return command;
    }
}
