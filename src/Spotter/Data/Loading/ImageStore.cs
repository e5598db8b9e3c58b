using System.Collections.Concurrent;
using SkiaSharp;
using static TorchSharp.torch;

namespace Spotter.Data.Loading;

/// <summary>
/// Decodes images and squashes them to Size x Size once (<see cref="ImagePixels"/>, as every
/// prediction does), keeping the result as 3 x S x S bytes. When the whole set fits in <see cref="MemoryBudgetBytes"/> every
/// image is kept after its first use (decoding is then paid once per run, not once per epoch);
/// otherwise images are decoded each time they are needed.
/// </summary>
public sealed class ImageStore : IDisposable
{
    public const long DefaultMemoryBudget = 3L << 30;

    private readonly ConcurrentDictionary<string, Tensor> _cache = new();
    private readonly bool _caching;

    public ImageStore(int size, int imageCount, long memoryBudgetBytes = DefaultMemoryBudget)
    {
        Size = size;
        MemoryBudgetBytes = memoryBudgetBytes;
        _caching = (long)imageCount * 3 * size * size <= memoryBudgetBytes;
    }

    public int Size { get; }

    public long MemoryBudgetBytes { get; }

    /// <summary>The image as 3 x S x S bytes. Cached tensors belong to the store: do not dispose them.</summary>
    public Tensor Get(ImageRecord image, out bool owned)
    {
        owned = false;
        if (_caching && _cache.TryGetValue(image.Path, out var cached)) return cached;
        var loaded = Load(image.Path);
        if (!_caching)
        {
            owned = true;
            return loaded;
        }
        // Cached tensors live as long as the store, whatever dispose scope the caller is in.
        loaded.DetachFromDisposeScope();
        var kept = _cache.GetOrAdd(image.Path, loaded);
        if (!ReferenceEquals(kept, loaded)) loaded.Dispose(); // another thread cached it first
        return kept;
    }

    /// <summary>Decodes every image in parallel so the first epoch is not slower than the rest.</summary>
    public void Warm(IEnumerable<ImageRecord> images)
    {
        if (!_caching) return;
        Parallel.ForEach(images.DistinctBy(i => i.Path), image => Get(image, out _));
    }

    private Tensor Load(string path)
    {
        using var decoded = ImageFile.DecodeForInput(path, Size, out _, out _);
        var planes = new byte[3 * Size * Size];
        ImagePixels.SquashedPlanes(decoded, Size, planes);
        return tensor(planes, [3, Size, Size], ScalarType.Byte);
    }

    public void Dispose()
    {
        foreach (var tensor in _cache.Values) tensor.Dispose();
        _cache.Clear();
    }
}
