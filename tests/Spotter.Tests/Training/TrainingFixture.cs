using Spotter.Data;
using Spotter.Data.Loading;
using Spotter.Data.Synthetic;
using Spotter.Models;
using Spotter.Models.Ssd;
using Spotter.Models.Largest;

namespace Spotter.Tests.Training;

/// <summary>A small synthetic dataset rendered once for all training tests.</summary>
public sealed class TrainingFixture : IDisposable
{
    public TrainingFixture()
    {
        Cache = Directory.CreateTempSubdirectory("spotter-train-").FullName;
        Dataset = SyntheticDataset.Load(new SyntheticOptions(Count: 24, Size: 96, Seed: 11), Cache);
    }

    public string Cache { get; }
    public Dataset Dataset { get; }

    public BatchLoader Loader(int count, int size = 64, bool augment = false, int batch = 8, bool shuffle = false)
    {
        var images = Dataset.Images.Take(count).ToList();
        var store = new ImageStore(size, images.Count);
        return new BatchLoader(images, store, augment ? new AugmentOptions(size) : AugmentOptions.None(size), batch, shuffle, seed: 3);
    }

    /// <summary>A largest-object model on the tiny backbone (weights from torch's global generator).</summary>
    public LargestObjectModel Model(ModelTask task, int size = 64, BoxHeadKind boxHead = BoxHeadKind.Cells) =>
        (LargestObjectModel)ModelFactory.Create(ModelSpec.For(task, "tiny", Dataset.Classes, size, new LargestHeadOptions { BoxHead = boxHead }));

    /// <summary>A detector on the tiny backbone (weights from torch's global generator).</summary>
    public SsdModel Detector(int size = 128, DetectorOptions? options = null) =>
        (SsdModel)ModelFactory.Create(ModelSpec.For(ModelTask.Detect, "tiny", Dataset.Classes, size, detector: options));

    public void Dispose() => Directory.Delete(Cache, recursive: true);
}
