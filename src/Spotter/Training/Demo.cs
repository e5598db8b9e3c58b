using Spotter.Data;
using Spotter.Evaluation;
using Spotter.Inference;

namespace Spotter.Training;

/// <summary>
/// <c>spotter demo</c>'s path: train on built-in data (the config's dataset) into FOLDER/run,
/// measure the model on the held-out test split, and detect on eight test images into
/// FOLDER/detections, all through the prediction path users call.
/// </summary>
public static class Demo
{
    public sealed record Result(string RunFolder, string DetectionsFolder, Trainer.Result Training, EvaluationReport Test);

    public static Result Run(TrainConfig config, string folder, ITrainingReporter reporter, Action<int, int>? progress = null, CancellationToken cancel = default)
    {
        var run = Path.Combine(folder, "run");
        var training = Trainer.Train(config, run, reporter, cancel: cancel);
        using var detector = Detector.Load(run, config.Device);
        var data = DatasetLoader.Load(config.Dataset, config.ImageFolder);
        var test = DetectorEvaluation.Run(detector, data, "test", config.Batch, progress);
        var detections = Path.Combine(folder, "detections");
        DetectFiles.Run(detector, DatasetSplits.Select(data, "test").Take(8).Select(i => i.Path).ToList(), detections);
        return new Result(run, detections, training, test);
    }
}
