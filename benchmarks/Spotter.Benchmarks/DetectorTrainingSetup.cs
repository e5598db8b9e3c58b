using Spotter.Data;
using Spotter.Data.Loading;
using Spotter.Models;
using Spotter.Models.Backbones;
using Spotter.Models.Largest;
using Spotter.Runtime;

namespace Spotter.Benchmarks;

/// <summary>
/// What the gradient tools train on: a dataset's images cached at a size, streamed in batches of 16
/// with the detector's training augmentation (scale jitter up to 1.5, as the raccoon recipe), and
/// the spec of the detector <c>train --task detect</c> builds (ImageNet ResNet18, default head).
/// </summary>
public sealed class DetectorTrainingSetup : IDisposable
{
    private readonly ImageStore _store;

    public DetectorTrainingSetup(string datasetSpec, int size)
    {
        TorchRuntime.EnsureLoaded();
        var data = DatasetLoader.Load(datasetSpec);
        var images = data.Images.ToList();
        _store = new ImageStore(size, images.Count);
        _store.Warm(images);
        Source = data.Source;
        Loader = new BatchLoader(images, _store, AugmentOptions.ForTraining(size, detect: true, maxZoom: 1.5), 16, shuffle: true);
        Spec = ModelSpec.For(ModelTask.Detect, BackboneCatalog.ImageNetResNet18, data.Classes, size, new LargestHeadOptions());
    }

    public string Source { get; }
    public BatchLoader Loader { get; }
    public ModelSpec Spec { get; }

    public void Dispose() => _store.Dispose();
}
