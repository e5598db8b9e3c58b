using Spotter.Data;
using Spotter.Data.Loading;
using Spotter.Models;

namespace Spotter.Training;

/// <summary>
/// A run's data as the learner sees it: the dataset, the training and validation images the task
/// can use (from the config's splits), their decoded cache, and the two loaders (training
/// shuffled and augmented, seeded; validation in order, as is).
/// </summary>
public sealed class TrainingData : IDisposable
{
    private readonly ImageStore _store;

    public TrainingData(TrainConfig config)
    {
        Dataset = DatasetLoader.Load(config.Dataset, config.ImageFolder);
        Train = DatasetSplits.Select(Dataset, config.TrainSplit).Where(i => ModelSpec.CanUse(config.Task, i)).ToList();
        Valid = DatasetSplits.Select(Dataset, config.ValidSplit).Where(i => ModelSpec.CanUse(config.Task, i)).ToList();
        _store = new ImageStore(config.Size, Train.Count + Valid.Count);
        var augment = config.Augment ? new AugmentOptions(config.Size) : AugmentOptions.None(config.Size);
        // Batches are prepared alongside the step only when a GPU runs the model (see BatchLoader).
        var prefetch = Runtime.Devices.Parse(config.Device).type == TorchSharp.DeviceType.CUDA;
        TrainLoader = new BatchLoader(Train, _store, augment, config.Batch, shuffle: true, config.Seed, prefetch);
        ValidLoader = Valid.Count > 0 ? new BatchLoader(Valid, _store, AugmentOptions.None(config.Size), config.Batch, shuffle: false) : null;
    }

    public Dataset Dataset { get; }
    public IReadOnlyList<ImageRecord> Train { get; }
    public IReadOnlyList<ImageRecord> Valid { get; }
    public BatchLoader TrainLoader { get; }
    public BatchLoader? ValidLoader { get; }

    /// <summary>Decodes every image now, in parallel, so the first epoch is not slower than the rest.</summary>
    public void Warm() => _store.Warm(Train.Concat(Valid));

    public void Dispose() => _store.Dispose();
}
