using Spotter.Data.Loading;
using Spotter.Evaluation;
using Spotter.Models;
using Spotter.Training;
using static TorchSharp.torch;

namespace Spotter.Benchmarks;

/// <summary>
/// Whether a detector's quality hangs on its batch-norm statistics: each saved model (a folder with
/// model.json and model.bin) is scored on the run's validation split as saved, then again after
/// every batch norm's running statistics are recomputed as an equal-weight mean over the run's
/// training images: as they are, or through the training augmentation for some epochs. With
/// <c>--head-only</c> only the head's layer group recomputes its statistics (the body's stay as saved);
/// <c>--batches N</c> takes only the first N batches.
/// <c>dotnet run -c Release --project benchmarks/Spotter.Benchmarks -- norm-recalibration RUN [--augmented EPOCHS] [--head-only] [--batches N] MODEL_FOLDER...</c>
/// </summary>
public static class NormRecalibration
{
    public static void Run(string runFolder, int augmentedEpochs, bool headOnly, int maxBatches, IReadOnlyList<string> modelFolders)
    {
        var saved = TrainConfig.Load(runFolder);
        // The validation loader of a config whose validation split is the training split: the training images as they are.
        using var data = new TrainingData(saved with { ValidSplit = saved.TrainSplit });
        foreach (var folder in modelFolders)
        {
            var model = ModelFile.Load(folder);
            using var detector = Detector.Own(model, CPU);
            var before = DetectorEvaluation.Run(detector, data.Dataset, saved.ValidSplit).Map!;
            var batches = augmentedEpochs > 0
                ? Recompute(model, headOnly, Enumerable.Range(1, augmentedEpochs).SelectMany(e => data.TrainLoader.Epoch(e)).Take(maxBatches))
                : Recompute(model, headOnly, data.ValidLoader!.Epoch(0).Take(maxBatches));
            var after = DetectorEvaluation.Run(detector, data.Dataset, saved.ValidSplit).Map!;
            Console.WriteLine($"{folder}: {saved.ValidSplit} mAP@0.5 / COCO as saved {before.Map50:0.0000} / {before.Map50To95:0.0000}; " +
                $"{(headOnly ? "the head's " : "")}statistics recomputed over {batches} batches ({(augmentedEpochs > 0 ? $"{augmentedEpochs} augmented epochs" : "no augmentation")}) {after.Map50:0.0000} / {after.Map50To95:0.0000}");
        }
    }

    private static int Recompute(IImageModel model, bool headOnly, IEnumerable<Batch> batches)
    {
        var modules = headOnly ? model.LayerGroups[^1].SelectMany(m => m.modules().Prepend(m)) : model.Module.modules();
        var norms = modules.OfType<TorchSharp.Modules.BatchNorm2d>().ToList();
        var momenta = norms.Select(norm => norm.momentum).ToList();
        model.Module.eval(); // dropout off; only the norms learn their statistics
        using var _ = no_grad();
        foreach (var norm in norms)
        {
            norm.reset_running_stats();
            norm.train();
        }
        var count = 0;
        foreach (var batch in batches)
        {
            using (batch)
            using (NewDisposeScope())
            {
                count++;
                foreach (var norm in norms) norm.momentum = 1.0 / count; // the k-th batch weighs 1/k: a plain mean
                model.Module.forward(batch.Images);
            }
        }
        foreach (var (norm, momentum) in norms.Zip(momenta))
        {
            norm.momentum = momentum; // as trained, should the model train on
            norm.eval();
        }
        return count;
    }
}
