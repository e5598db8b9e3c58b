using System.Collections.Concurrent;
using SkiaSharp;
using static TorchSharp.torch;

namespace Spotter.Data.Loading;

/// <summary>
/// Decodes images and squashes them to Size x Size once (<see cref="ImagePixels"/>, as every
/// prediction does), keeping the result as 3 x S x S bytes. When the whole set fits in <see cref="MemoryBudgetBytes"/> every
/// image is kept after its first use (decoding is then paid once per run, not once per epoch);
/// otherwise images are decoded each time they are needed. A tile (<see cref="ImageRecord.Region"/>)
/// is cut from the image decoded whole at full size, then squashed like any image.
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
        if (_caching && _cache.TryGetValue(image.PixelsKey, out var cached)) return cached;
        var loaded = Load(image);
        if (!_caching)
        {
            owned = true;
            return loaded;
        }
        return Keep(image.PixelsKey, loaded);
    }

    /// <summary>
    /// Decodes every image in parallel so the first epoch is not slower than the rest; the tiles
    /// of one file (and its whole view) all come from one decode.
    /// </summary>
    public void Warm(IEnumerable<ImageRecord> images)
    {
        if (!_caching) return;
        Parallel.ForEach(images.DistinctBy(i => i.PixelsKey).GroupBy(i => i.Path), file =>
        {
            var missing = file.Where(i => !_cache.ContainsKey(i.PixelsKey)).ToList();
            if (!missing.Any(i => i.Region is not null))
            {
                foreach (var image in missing) Get(image, out _);
                return;
            }
            // A file cut into tiles is decoded once at full size; its whole view comes from that decode
            // too, as tiled inference squashes it.
            using var full = ImageFile.DecodeForInput(file.Key, int.MaxValue, out _, out _);
            foreach (var view in missing) Keep(view.PixelsKey, Squashed(full, view.Region));
        });
    }

    // Cached tensors live as long as the store, whatever dispose scope the caller is in.
    private Tensor Keep(string key, Tensor loaded)
    {
        loaded.DetachFromDisposeScope();
        var kept = _cache.GetOrAdd(key, loaded);
        if (!ReferenceEquals(kept, loaded)) loaded.Dispose(); // another thread cached it first
        return kept;
    }

    private Tensor Load(ImageRecord image)
    {
        // A tile needs the image's own pixels; a whole image may decode at a reduced scale.
        using var decoded = ImageFile.DecodeForInput(image.Path, image.Region is null ? Size : int.MaxValue, out _, out _);
        return Squashed(decoded, image.Region);
    }

    private Tensor Squashed(SKBitmap decoded, SKRectI? region)
    {
        var planes = new byte[3 * Size * Size];
        if (region is { } r)
        {
            using var tile = new SKBitmap();
            if (!decoded.ExtractSubset(tile, r)) throw new SpotterException($"tile {r} lies outside the {decoded.Width}x{decoded.Height} image");
            ImagePixels.SquashedPlanes(tile, Size, planes);
        }
        else ImagePixels.SquashedPlanes(decoded, Size, planes);
        return tensor(planes, [3, Size, Size], ScalarType.Byte);
    }

    public void Dispose()
    {
        foreach (var tensor in _cache.Values) tensor.Dispose();
        _cache.Clear();
    }
}
