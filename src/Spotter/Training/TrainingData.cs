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
        var unreadable = new List<DataProblem>();
        Train = Readable(DatasetSplits.Select(Dataset, config.TrainSplit).Where(i => ModelSpec.CanUse(config.Task, i)).ToList(), unreadable);
        Valid = Readable(DatasetSplits.Select(Dataset, config.ValidSplit).Where(i => ModelSpec.CanUse(config.Task, i)).ToList(), unreadable);
        CheckListedSplitsApart(config);
        Negatives = config.Negatives is { } background ? NegativeImages(background, unreadable) : [];
        Unreadable = unreadable;
        if (Train.Count == 0)
            throw new SpotterException($"{Dataset.Source}: split '{config.TrainSplit}' has no usable images to train on" +
                (unreadable.Count > 0 ? $" ({unreadable.Count} cannot be read, e.g. {unreadable[0].Message})" : ""));
        if (config.SizeFromData)
        {
            (var size, SizeReason) = Reports.AnchorCoverage.ChooseSize(Train, config.ModelFor(Dataset.Classes));
            config = config with { Size = size, SizeFromData = false };
        }
        Config = config;
        // Sliced training: the loaders see tiles of the large images (the final evaluation runs tiled on whole images).
        var tiling = config.Tiling;
        TrainViews = tiling is null ? [.. Train, .. Negatives] : [.. TileViews.Cut(Train, tiling, config.Size), .. TileViews.Cut(Negatives, tiling, config.Size, keepEmpty: true)];
        ValidViews = tiling is null ? Valid : TileViews.Cut(Valid, tiling, config.Size);
        if (TrainViews.Count == 0) throw new SpotterException($"{Dataset.Source}: no tile of split '{config.TrainSplit}' holds an object; try a larger --tile");
        _store = new ImageStore(config.Size, TrainViews.Count + ValidViews.Count);
        var augment = config.TrainingAugmentation();
        // Batches are prepared alongside the step only when a GPU runs the model (see BatchLoader).
        var prefetch = Runtime.Devices.Parse(config.Device).type == TorchSharp.DeviceType.CUDA;
        TrainLoader = new BatchLoader(TrainViews, _store, augment, config.Batch, shuffle: true, config.Seed, prefetch);
        ValidLoader = ValidViews.Count > 0 ? new BatchLoader(ValidViews, _store, AugmentOptions.None(config.Size), config.Batch, shuffle: false) : null;
    }

    /// <summary>
    /// A split given as a list file must not share images with the other split: a training list
    /// with the default validation (a random 20 % of a dataset without splits) would validate on
    /// training images. Named splits may overlap on purpose (bccd's trainval holds val).
    /// </summary>
    private void CheckListedSplitsApart(TrainConfig config)
    {
        if (!SplitList.IsListFile(config.TrainSplit) && !SplitList.IsListFile(config.ValidSplit)) return;
        if (DatasetSplits.CountShared(Train, Valid) is var shared and > 0)
            throw new SpotterException($"--train-split {config.TrainSplit} and --valid-split {config.ValidSplit}: {shared} of the {Valid.Count} validation images are also training images; give a --valid-split that lists the held-out images");
    }

    /// <summary>The run's settings, with the input size chosen when it was to come from the data.</summary>
    public TrainConfig Config { get; }

    /// <summary>Why the input size is what it is, when it was chosen from the data; else null.</summary>
    public string? SizeReason { get; }

    public Dataset Dataset { get; }
    public IReadOnlyList<ImageRecord> Train { get; }
    public IReadOnlyList<ImageRecord> Valid { get; }

    /// <summary>Background images from <c>--negatives</c>: no objects, trained alongside <see cref="Train"/>.</summary>
    public IReadOnlyList<ImageRecord> Negatives { get; }

    /// <summary>What the loaders see: <see cref="Train"/> and <see cref="Valid"/>, or with sliced training their tiles.</summary>
    public IReadOnlyList<ImageRecord> TrainViews { get; }
    public IReadOnlyList<ImageRecord> ValidViews { get; }

    /// <summary>Images left out because their file cannot be decoded (empty, not an image, over the pixel limit, gone).</summary>
    public IReadOnlyList<DataProblem> Unreadable { get; }
    public BatchLoader TrainLoader { get; }
    public BatchLoader? ValidLoader { get; }

    /// <summary>The background images (a folder, file or glob) as records without objects; the unreadable go to <paramref name="dropped"/>.</summary>
    private static List<ImageRecord> NegativeImages(string source, List<DataProblem> dropped)
    {
        var files = InputFiles.Expand([source]);
        var records = new ImageRecord?[files.Count];
        var problems = new DataProblem?[files.Count];
        Parallel.For(0, files.Count, i =>
        {
            try
            {
                var info = ImageFile.Probe(files[i]);
                records[i] = new ImageRecord($"negative:{files[i]}", files[i], info.Width, info.Height, []);
            }
            catch (SpotterException e)
            {
                problems[i] = new DataProblem(files[i], e.Message);
            }
        });
        dropped.AddRange(problems.OfType<DataProblem>());
        return records.OfType<ImageRecord>().ToList();
    }

    /// <summary>The images whose header reads (as <c>spotter data check</c> checks them, in parallel); the others go to <paramref name="dropped"/>.</summary>
    private static List<ImageRecord> Readable(List<ImageRecord> images, List<DataProblem> dropped)
    {
        var problems = new DataProblem?[images.Count];
        Parallel.For(0, images.Count, i =>
        {
            if (ImageFile.ReadProblem(images[i].Path) is { } problem) problems[i] = new DataProblem(images[i].Path, problem);
        });
        dropped.AddRange(problems.OfType<DataProblem>());
        return images.Where((_, i) => problems[i] is null).ToList();
    }

    /// <summary>Decodes every image now, in parallel, so the first epoch is not slower than the rest.</summary>
    public void Warm() => _store.Warm(TrainViews.Concat(ValidViews));

    public void Dispose() => _store.Dispose();
}
