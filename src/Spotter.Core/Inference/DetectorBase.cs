using SkiaSharp;
using Spotter.Boxes;
using Spotter.Data;

namespace Spotter.Inference;

/// <summary>
/// The part of every <see cref="IDetector"/> that does not depend on the backend: decoding,
/// squashing to the model's input (<see cref="ImagePixels"/>), thresholding and mapping boxes back
/// to each image's pixels. A backend implements <see cref="DetectSquashed"/> only.
/// </summary>
public abstract class DetectorBase : IDetector
{
    protected DetectorBase(DetectorInfo info)
    {
        Info = info;
        Tiling = info.TrainedTile is { } side ? new Tiling(side) : null;
    }

    public DetectorInfo Info { get; }

    public IReadOnlyList<string> Classes => Info.Classes;

    /// <summary>
    /// Test-time flip: every image is also run mirrored left-right and the two answers merged
    /// (<see cref="FlipMerge"/>); twice the compute. Off by default.
    /// </summary>
    public bool TestTimeFlip { get; set; }

    /// <summary>
    /// Sliced inference (<see cref="Inference.Tiling"/>): large images are cut into tiles at (near)
    /// native resolution, run with the whole image, and the answers merged. Detectors only. Off
    /// (null) by default, except for a model trained on tiles (<see cref="DetectorInfo.TrainedTile"/>);
    /// an automatic tile size is then the trained one, else the input size.
    /// </summary>
    public Tiling? Tiling
    {
        get;
        set => field = value is null ? null
            : Info.Task != ModelTask.Detect ? throw new SpotterException("tiling (--tile) is for detectors; a largest-object model gives one box per image")
            : value with { TileSize = value.TileSize ?? Info.TrainedTile ?? Info.InputSize };
    }

    /// <summary>
    /// The input size to decode images for (<see cref="ImageFile.DecodeForInput(string, int, out int, out int)"/>):
    /// the model's, or, with tiling, no reduction at all - tiles are cut from the image's own pixels.
    /// </summary>
    public int DecodeSize => Tiling is null ? Info.InputSize : int.MaxValue;

    public IReadOnlyList<Detection> Detect(string imagePath, float? threshold = null) => Detect([imagePath], threshold)[0];

    public IReadOnlyList<Detection> Detect(Stream image, float? threshold = null)
    {
        using var bitmap = ImageFile.DecodeForInput(image, DecodeSize, out var width, out var height);
        return DetectDecoded([new DecodedImage(bitmap, width, height)], threshold)[0];
    }

    public IReadOnlyList<Detection> Detect(SKBitmap image, float? threshold = null) => Detect([image], threshold)[0];

    public IReadOnlyList<IReadOnlyList<Detection>> Detect(IReadOnlyList<string> imagePaths, float? threshold = null)
    {
        var images = new List<DecodedImage>(imagePaths.Count);
        try
        {
            foreach (var path in imagePaths)
            {
                var bitmap = ImageFile.DecodeForInput(path, DecodeSize, out var width, out var height);
                images.Add(new DecodedImage(bitmap, width, height));
            }
            return DetectDecoded(images, threshold);
        }
        finally
        {
            foreach (var image in images) image.Bitmap.Dispose();
        }
    }

    public IReadOnlyList<IReadOnlyList<Detection>> Detect(IReadOnlyList<SKBitmap> images, float? threshold = null) =>
        DetectDecoded(images.Select(b => new DecodedImage(b, b.Width, b.Height)).ToList(), threshold);

    /// <summary>
    /// Images as decoded for the input (<see cref="ImageFile.DecodeForInput(string, int, out int, out int)"/>:
    /// possibly at a reduced scale) with their own sizes: detections in each image's pixels.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<Detection>> DetectDecoded(IReadOnlyList<DecodedImage> images, float? threshold = null)
    {
        if (images.Count == 0) return [];
        var found = Tiling is { } tiling ? images.Select(image => DetectTiled(image, tiling)).ToList() : DetectWhole(images);
        var minimum = threshold ?? Info.DefaultThreshold;
        return found.Select(list => (IReadOnlyList<Detection>)list.Where(d => d.Score >= minimum).ToList()).ToList();
    }

    // Each image squashed whole: all detections in the image's pixels.
    private IReadOnlyList<IReadOnlyList<Detection>> DetectWhole(IReadOnlyList<DecodedImage> images)
    {
        var size = Info.InputSize;
        var plane = 3 * size * size;
        var pixels = new byte[images.Count * plane];
        Parallel.For(0, images.Count, i => ImagePixels.SquashedPlanes(images[i].Bitmap, size, pixels.AsSpan(i * plane, plane)));
        var found = Run(pixels, images.Count);
        return images.Select((image, i) => (IReadOnlyList<Detection>)found[i].Select(d => d.FromInput(size, image.Width, image.Height)).ToList()).ToList();
    }

    // The whole image and its tiles, TilesPerBatch views at a time, merged in the image's pixels.
    private IReadOnlyList<Detection> DetectTiled(DecodedImage image, Tiling tiling)
    {
        var bitmap = image.Bitmap;
        var tiles = tiling.Plan(bitmap.Width, bitmap.Height, Info.InputSize);
        if (tiles.Count == 0) return DetectWhole([image])[0];
        var found = DetectWhole([image])[0].Select(d => new TileMerge.Found(d, Cut: false, FromWholeImage: true)).ToList();
        var size = Info.InputSize;
        var plane = 3 * size * size;
        var (sx, sy) = ((float)image.Width / bitmap.Width, (float)image.Height / bitmap.Height);
        foreach (var batch in tiles.Chunk(TilesPerBatch))
        {
            var pixels = new byte[batch.Length * plane];
            Parallel.For(0, batch.Length, i =>
            {
                using var tile = new SKBitmap();
                if (!bitmap.ExtractSubset(tile, batch[i])) throw new InvalidOperationException($"tile {batch[i]} outside the {bitmap.Width}x{bitmap.Height} image");
                ImagePixels.SquashedPlanes(tile, size, pixels.AsSpan(i * plane, plane));
            });
            var results = Run(pixels, batch.Length);
            for (var i = 0; i < batch.Length; i++)
            {
                var t = batch[i];
                foreach (var d in results[i])
                {
                    // Input pixels -> the tile -> the decoded bitmap -> the image's own pixels.
                    var inBitmap = d.Box.Scale((float)t.Width / size, (float)t.Height / size);
                    inBitmap = new Box(inBitmap.X1 + t.Left, inBitmap.Y1 + t.Top, inBitmap.X2 + t.Left, inBitmap.Y2 + t.Top);
                    var cut = TileMerge.IsCut(inBitmap, t, bitmap.Width, bitmap.Height);
                    found.Add(new TileMerge.Found(d with { Box = inBitmap.Scale(sx, sy).ClipTo(image.Width, image.Height) }, cut, FromWholeImage: false));
                }
            }
        }
        return TileMerge.Merge(found, Info.NmsIou);
    }

    /// <summary>Tiles run through the model at once (bounds the memory a very large image needs).</summary>
    private const int TilesPerBatch = 16;

    /// <summary>
    /// Images already squashed to the input size, as RGB bytes in planes (count x 3 x S x S, see
    /// <see cref="ImagePixels"/>): detections in input pixels, best first. For callers that prepare
    /// pixels themselves (benchmarks, servers that squash while the model runs).
    /// </summary>
    public IReadOnlyList<IReadOnlyList<Detection>> DetectInputs(byte[] pixels, int count, float? threshold = null)
    {
        var size = Info.InputSize;
        if (count < 1 || pixels.Length != count * 3 * size * size)
            throw new ArgumentException($"expected {count} x 3 x {size} x {size} bytes, got {pixels.Length}", nameof(pixels));
        var minimum = threshold ?? Info.DefaultThreshold;
        return Run(pixels, count).Select(found => (IReadOnlyList<Detection>)found.Where(d => d.Score >= minimum).ToList()).ToList();
    }

    /// <summary>The backend on the pixels, and on their mirror image too when <see cref="TestTimeFlip"/> is set.</summary>
    private IReadOnlyList<IReadOnlyList<Detection>> Run(byte[] pixels, int count)
    {
        if (!TestTimeFlip) return DetectSquashed(pixels, count);
        var size = Info.InputSize;
        var both = new byte[pixels.Length * 2];
        pixels.CopyTo(both, 0);
        FlipMerge.MirrorPlanes(pixels, count, size, both.AsSpan(pixels.Length));
        var found = DetectSquashed(both, 2 * count);
        return Enumerable.Range(0, count)
            .Select(i => FlipMerge.Merge(found[i], found[count + i].Select(d => FlipMerge.Unmirror(d, size)).ToList(), Info.Task)).ToList();
    }

    /// <summary>
    /// The backend's one job: <paramref name="count"/> images as RGB bytes, count x 3 x S x S, to
    /// each image's detections in input pixels, best first, above the model's own score threshold.
    /// Called from several threads at once.
    /// </summary>
    protected abstract IReadOnlyList<IReadOnlyList<Detection>> DetectSquashed(byte[] pixels, int count);

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing) { }
}

/// <summary>An image decoded for a model's input (perhaps at a reduced scale) and the image's own size.</summary>
public readonly record struct DecodedImage(SKBitmap Bitmap, int Width, int Height);
