using Spotter.Data;
using Spotter.Data.Loading;
using static TorchSharp.torch;

namespace Spotter.Training;

/// <summary>Metrics of a model on data, and fitting a dataset's classes to a model's.</summary>
public static class ModelEvaluation
{
    public static IReadOnlyDictionary<string, double> Run(ITrainable model, BatchLoader data, Device device)
    {
        model.Module.eval();
        using var _ = no_grad();
        var metrics = model.NewMetrics();
        foreach (var batch in data.Epoch(0))
        {
            using (batch)
            using (var scope = NewDisposeScope())
            {
                batch.MoveTo(device);
                metrics.Add(model.Module.forward(batch.Images), batch);
            }
        }
        return metrics.Result();
    }

    /// <summary>
    /// Renumbers a dataset's objects to a model's class list, by name, so a model can be
    /// evaluated on data whose class order differs. A class the model does not know is an error.
    /// </summary>
    public static IReadOnlyList<ImageRecord> ToModelClasses(Dataset dataset, IReadOnlyList<ImageRecord> images, IReadOnlyList<string> modelClasses)
    {
        var map = dataset.Classes.Select(name => modelClasses.ToList().IndexOf(name)).ToArray();
        var unknown = dataset.Classes.Where((_, i) => map[i] < 0 && images.Any(im => im.Objects.Any(o => o.ClassIndex == i))).ToList();
        if (unknown.Count > 0)
            throw new SpotterException($"{dataset.Source}: class(es) {string.Join(", ", unknown)} are not among the model's classes ({string.Join(", ", modelClasses)})");
        return images.Select(im => im with { Objects = im.Objects.Select(o => o with { ClassIndex = map[o.ClassIndex] }).ToList() }).ToList();
    }
}
