using Spotter.Models.Backbones;
using Spotter.Models.Detection;
using Spotter.Models.Largest;
using Spotter.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Spotter.Models;

/// <summary>Saves and loads any Spotter model as model.bin (weights) + model.json (what it is).</summary>
public static class ModelFile
{
    public static void Save(IImageModel model, ModelInfo info, string folder)
    {
        Directory.CreateDirectory(folder);
        AtomicFile.Write(Path.Combine(folder, ModelInfo.WeightsFileName), temp => model.Module.save(temp));
        info.Save(folder);
    }

    /// <summary>Rebuilds the model model.json describes (untrained structure, no download or conversion) and loads its weights.</summary>
    public static (IImageModel Model, ModelInfo Info) Load(string path, Device? device = null)
    {
        var (info, folder) = ModelInfo.Load(path);
        var model = Create(info, folder);
        try
        {
            model.Module.load(Path.Combine(folder, ModelInfo.WeightsFileName));
        }
        catch (Exception e) when (e is not SpotterException)
        {
            model.Dispose();
            throw new SpotterException($"{Path.Combine(folder, ModelInfo.WeightsFileName)}: cannot be loaded into a {info.Task} model with backbone {info.Backbone} ({e.Message.Split('\n')[0]})");
        }
        model.Module.eval();
        if (device is not null) model.Module.to(device);
        return (model, info);
    }

    private static IImageModel Create(ModelInfo info, string folder)
    {
        var backbone = BackboneCatalog.CreateUntrained(info.Backbone);
        if (info.Task == "detect")
            return new SsdModel(backbone, info.Classes.Count, info.InputSize, info.Detector ?? new DetectorSettings());
        if (LargestObjectTasks.TryParse(info.Task, out var task))
            return new LargestObjectModel(backbone, task, info.Classes.Count, info.InputSize, info.ClassLossWeight, info.HeadDropout, info.BoxHead);
        backbone.Dispose();
        throw new SpotterException($"{folder}: unknown task '{info.Task}' in model.json");
    }
}
