using Spotter.Boxes;
using Spotter.Runtime;
using static TorchSharp.torch;

namespace Spotter.Data.Loading;

/// <summary>
/// Batches of augmented images with their boxes. The order and every random choice depend only
/// on (seed, epoch), so a run repeats exactly and a resumed run continues as if never stopped.
/// With <c>prefetch</c>, the next batch is prepared on a background thread while the model works
/// on the current one: right when a GPU does the model's work. On the CPU it is slower: libtorch's
/// OpenMP threads already fill the cores, and a second thread's torch work breaks their spin-waiting
/// (measured at 320 px, 2 cores: a batch costs 40 ms to make, yet prefetching slowed each 3.5 s
/// step by 10 %), so there batches are made in turn. A shuffled
/// (training) loader drops the last incomplete batch: a batch of one breaks batch norm, and the
/// shuffle changes which images are left out each epoch.
/// </summary>
public sealed class BatchLoader
{
    private readonly IReadOnlyList<ImageRecord> _images;
    private readonly ImageStore _store;
    private readonly AugmentOptions _augment;
    private readonly bool _shuffle;
    private readonly int _seed;
    private readonly bool _prefetch;

    public BatchLoader(IReadOnlyList<ImageRecord> images, ImageStore store, AugmentOptions augment, int batchSize, bool shuffle, int seed = 0, bool prefetch = false)
    {
        _prefetch = prefetch;
        if (images.Count == 0) throw new SpotterException("no images to load (the split is empty, or no image has objects)");
        if (batchSize < 1) throw new SpotterException("--batch must be at least 1");
        if (augment.Size != store.Size) throw new ArgumentException("augmentation size and store size differ", nameof(augment));
        _images = images;
        _store = store;
        _augment = augment;
        BatchSize = batchSize;
        _shuffle = shuffle;
        _seed = seed;
    }

    public int BatchSize { get; }

    public int Size => _store.Size;

    public int BatchCount => _shuffle && _images.Count >= BatchSize ? _images.Count / BatchSize : (_images.Count + BatchSize - 1) / BatchSize;

    public IReadOnlyList<ImageRecord> Images => _images;

    /// <summary>
    /// The batches of one epoch; each batch must be disposed by the caller. <paramref name="composite"/>
    /// false leaves mosaics and pastes out even when the augmentation asks for them (the last epochs
    /// of a run train on views like the ones the model will see).
    /// </summary>
    public IEnumerable<Batch> Epoch(int epoch, bool composite = true)
    {
        var order = Enumerable.Range(0, _images.Count).ToArray();
        if (_shuffle) new Random(Seeds.Mix(_seed, epoch)).Shuffle(order);
        Task<Batch>? next = null;
        try
        {
            for (var b = 0; b < BatchCount; b++)
            {
                var current = next is null ? Make(order, b, epoch, composite) : next.Result;
                next = _prefetch && b + 1 < BatchCount ? Prefetch(order, b + 1, epoch, composite) : null;
                yield return current;
            }
        }
        finally
        {
            // A consumer that stops early (the LR finder) leaves one prepared batch behind.
            next?.Result.Dispose();
        }
    }

    private Task<Batch> Prefetch(int[] order, int batch, int epoch, bool composite) => Task.Run(() => Make(order, batch, epoch, composite));

    private Batch Make(int[] order, int batch, int epoch, bool composite)
    {
        var indices = order.Skip(batch * BatchSize).Take(BatchSize).ToArray();
        var records = indices.Select(i => _images[i]).ToList();
        var draws = indices.Select(i => _augment.IsIdentity
            ? BatchAugmenter.Draw.Identity
            : BatchAugmenter.Sample(_augment, new Random(Seeds.Mix(_seed, epoch, i)))).ToList();

        using var scope = NewDisposeScope();
        var pixels = new List<Tensor>(records.Count);
        var boxes = new List<Box[]>(records.Count);
        var classes = new List<int[]>(records.Count);
        var mosaic = composite && _augment.Mosaic > 0;
        var paste = composite && _augment.CopyPaste > 0;
        for (var k = 0; k < records.Count; k++)
        {
            // Their own streams, so the draws above are the same with mosaics and pastes on or off.
            var layout = mosaic ? Mosaic.Sample(_augment.Mosaic, _images.Count, Size, new Random(Seeds.Mix(_seed, epoch, indices[k], MosaicStream)), _augment.MosaicScale) : null;
            if (layout is not { } l)
            {
                pixels.Add(Pixels(records[k]));
                boxes.Add(ScaledBoxes(records[k]));
                classes.Add(Classes(records[k]));
            }
            else
            {
                ImageRecord[] sources = [records[k], .. l.Others.Select(i => _images[i])];
                var (view, kept) = Mosaic.Compose(sources.Select(Pixels).ToList(), sources.Select(ScaledBoxes).ToList(), l, Size);
                pixels.Add(view);
                boxes.Add(kept.Select(b => b.Box).ToArray());
                classes.Add(kept.Select(b => sources[b.Source].Objects[b.Object].ClassIndex).ToArray());
            }
            var plan = paste ? CopyPaste.Sample(_augment.CopyPaste, _images.Count, new Random(Seeds.Mix(_seed, epoch, indices[k], PasteStream))) : null;
            if (plan is { } p && _images[p.Donor] is var donor
                && CopyPaste.Compose(pixels[k], boxes[k], classes[k], () => Pixels(donor), ScaledBoxes(donor), Classes(donor), p, Size) is { } pasted)
                (pixels[k], boxes[k], classes[k]) = pasted;
        }
        var augmented = BatchAugmenter.Apply(stack(pixels).to(float32).div_(255f), draws);
        for (var k = 0; k < records.Count; k++)
        {
            var (mapped, kept) = BatchAugmenter.Apply(boxes[k], draws[k], Size);
            boxes[k] = mapped.Where((_, j) => kept[j]).ToArray();
            classes[k] = classes[k].Where((_, j) => kept[j]).ToArray();
        }
        return new Batch(augmented.MoveToOuterDisposeScope(), boxes, classes, records);
    }

    private const long MosaicStream = 0x4D6F73; // "Mos"
    private const long PasteStream = 0x506173; // "Pas"

    // 3 x S x S bytes; a cached image is aliased, so this scope's end does not free the store's tensor.
    private Tensor Pixels(ImageRecord record)
    {
        var image = _store.Get(record, out var owned);
        return owned ? image : image.alias();
    }

    private static int[] Classes(ImageRecord r) => r.Objects.Select(o => o.ClassIndex).ToArray();

    private Box[] ScaledBoxes(ImageRecord r) => r.Objects.Select(o => o.Box.Scale((float)Size / r.Width, (float)Size / r.Height)).ToArray();
}
