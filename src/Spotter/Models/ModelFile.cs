using Spotter.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Spotter.Models;

/// <summary>Saves and loads any Spotter model as model.bin (weights) + model.json (its <see cref="ModelSpec"/>).</summary>
public static class ModelFile
{
    public static void Save(IImageModel model, string folder)
    {
        Directory.CreateDirectory(folder);
        AtomicFile.Write(Path.Combine(folder, ModelSpec.WeightsFileName), temp => model.Module.save(temp));
        model.Spec.Save(folder);
    }

    /// <summary>Rebuilds the model model.json describes (untrained structure, no download or conversion) and loads its weights.</summary>
    public static IImageModel Load(string path, Device? device = null)
    {
        var (spec, folder) = ModelSpec.Load(path);
        var model = ModelFactory.CreateUntrained(spec);
        var weights = Path.Combine(folder, ModelSpec.WeightsFileName);
        try
        {
            model.Module.load(weights);
        }
        catch (Exception e) when (e is not SpotterException)
        {
            model.Dispose();
            throw new SpotterException($"{weights}: cannot be loaded into a {spec.Task.Name()} model with backbone {spec.Backbone} ({e.Message.Split('\n')[0]})");
        }
        model.Module.eval();
        if (device is not null) model.Module.to(device);
        return model;
    }
}
