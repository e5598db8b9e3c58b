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
/// training images: as they are, or through the training augmentation for some epochs.
/// <c>dotnet run -c Release --project benchmarks/Spotter.Benchmarks -- norm-recalibration RUN [--augmented EPOCHS] MODEL_FOLDER...</c>
/// </summary>
public static class NormRecalibration
{
    public static void Run(string runFolder, int augmentedEpochs, IReadOnlyList<string> modelFolders)
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
                ? Recompute(model, Enumerable.Range(1, augmentedEpochs).SelectMany(e => data.TrainLoader.Epoch(e)))
                : Recompute(model, data.ValidLoader!.Epoch(0));
            var after = DetectorEvaluation.Run(detector, data.Dataset, saved.ValidSplit).Map!;
            Console.WriteLine($"{folder}: {saved.ValidSplit} mAP@0.5 / COCO as saved {before.Map50:0.0000} / {before.Map50To95:0.0000}; " +
                $"statistics recomputed over {batches} batches ({(augmentedEpochs > 0 ? $"{augmentedEpochs} augmented epochs" : "no augmentation")}) {after.Map50:0.0000} / {after.Map50To95:0.0000}");
        }
    }

    private static int Recompute(IImageModel model, IEnumerable<Batch> batches)
    {
        var norms = model.Module.modules().OfType<TorchSharp.Modules.BatchNorm2d>().ToList();
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
