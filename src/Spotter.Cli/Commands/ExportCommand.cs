using System.CommandLine;
using Spotter.Export;
using Spotter.Models;

namespace Spotter.Cli.Commands;

/// <summary>`spotter export`: a trained model as one ONNX graph (NMS inside), checked on ONNX Runtime; optionally as a Triton model repository.</summary>
public static class ExportCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var run = new Argument<string>("RUN") { Description = "A run folder made by 'spotter train' (or a model.json)" };
        var outFile = new Option<string?>("--out") { Description = "The .onnx file to write" };
        var triton = new Option<string?>("--triton") { Description = "Also (or instead) write a Triton model repository here: DIR/NAME/1/model.onnx + DIR/NAME/config.pbtxt" };
        var name = new Option<string?>("--name") { Description = "The model's name in the Triton repository (default: the run folder's name)" };
        var maxDetections = new Option<int?>("--max-detections") { Description = "K, detections per image (default: the model's, 100)" };
        var scoreThreshold = new Option<float?>("--score-threshold") { Description = "Drop detections scoring at most this, inside the graph (default: the model's, 0.05)" };
        var opset = new Option<int>("--opset") { DefaultValueFactory = _ => OnnxExport.DefaultOpset, Description = $"ONNX opset ({OnnxExport.MinimumOpset}-{OnnxExport.MaximumOpset})" };
        var command = new Command("export", "Write a trained model as one ONNX graph (normalisation, network, decoding and NMS inside), checked against TorchSharp on ONNX Runtime.")
            { run, outFile, triton, name, maxDetections, scoreThreshold, opset };
        command.SetAction(parse => SpotterCli.Guard(error, () =>
        {
            var target = parse.GetValue(outFile);
            var repository = parse.GetValue(triton);
            if (target is null && repository is null) throw new SpotterException("give --out model.onnx, --triton DIR, or both");
            var options = new OnnxExport.Options(parse.GetValue(maxDetections), Thresholds.Check(parse.GetValue(scoreThreshold), "--score-threshold"), parse.GetValue(opset));
            using var model = ModelFile.Load(parse.GetValue(run)!);
            if (target is not null)
            {
                var check = OnnxExport.Write(model, target, options);
                output.WriteLine($"Wrote {target} ({new FileInfo(target).Length / 1e6:0.0} MB, opset {options.Opset}); ONNX Runtime vs TorchSharp before NMS: scores within {check.MaxScoreDifference:0.#e+0}, boxes within {check.MaxBoxDifference:0.#e+0} px");
            }
            if (repository is not null)
            {
                var modelName = parse.GetValue(name) ?? TritonRepository.NameFor(parse.GetValue(run)!);
                var folder = TritonRepository.Write(model, repository, modelName, options);
                output.WriteLine($"Wrote the Triton model repository {folder} (model.onnx and config.pbtxt)");
            }
            return SpotterCli.Success;
        }));
        return command;
    }
}
