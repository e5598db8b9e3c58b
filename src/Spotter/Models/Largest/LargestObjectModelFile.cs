using Spotter.Models.Backbones;
using Spotter.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Spotter.Models.Largest;

/// <summary>Saves and loads a <see cref="LargestObjectModel"/> as model.bin + model.json.</summary>
public static class LargestObjectModelFile
{
    public static ModelInfo Describe(LargestObjectModel model, string backbone, IReadOnlyList<string> classes) => new()
    {
        Task = model.Task.Name(),
        Backbone = backbone,
        Classes = classes,
        InputSize = model.InputSize,
        ClassLossWeight = model.ClassLossWeight,
        HeadDropout = model.DropoutScale,
    };

    public static void Save(LargestObjectModel model, ModelInfo info, string folder)
    {
        Directory.CreateDirectory(folder);
        AtomicFile.Write(Path.Combine(folder, ModelInfo.WeightsFileName), temp => model.save(temp));
        info.Save(folder);
    }

    public static (LargestObjectModel Model, ModelInfo Info) Load(string path, Device? device = null)
    {
        var (info, folder) = ModelInfo.Load(path);
        if (!LargestObjectTasks.TryParse(info.Task, out var task))
            throw new SpotterException($"{folder}: task '{info.Task}' is not a largest-object task");
        var model = new LargestObjectModel(BackboneCatalog.CreateUntrained(info.Backbone), task, info.Classes.Count, info.InputSize, info.ClassLossWeight, info.HeadDropout);
        try
        {
            model.load(Path.Combine(folder, ModelInfo.WeightsFileName));
        }
        catch (Exception e) when (e is not SpotterException)
        {
            model.Dispose();
            throw new SpotterException($"{Path.Combine(folder, ModelInfo.WeightsFileName)}: cannot be loaded into a {info.Task} model with backbone {info.Backbone} ({e.Message.Split('\n')[0]})");
        }
        model.eval();
        if (device is not null) model.to(device);
        return (model, info);
    }
}
