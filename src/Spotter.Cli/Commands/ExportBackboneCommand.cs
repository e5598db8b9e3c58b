using System.CommandLine;
using Spotter.Models.Backbones;

namespace Spotter.Cli.Commands;

/// <summary>`spotter export-backbone FILE`: resnet18-imagenet's weights as fp16 safetensors, for machines without the ONNX model (docs/GPU.md).</summary>
public static class ExportBackboneCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var file = new Argument<string>("FILE") { Description = "The .safetensors file to write" };
        var command = new Command("export-backbone", "Write resnet18-imagenet's converted weights as fp16 safetensors (use with --backbone resnet18-imagenet:FILE).") { file };
        command.SetAction(parse => SpotterCli.Guard(error, () =>
        {
            var path = parse.GetValue(file)!;
            BackboneCatalog.ExportImageNetResNet18(path);
            output.WriteLine($"Wrote {path} ({new FileInfo(path).Length / 1e6:0.0} MB)");
            return SpotterCli.Success;
        }));
        return command;
    }
}
