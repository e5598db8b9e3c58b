using SkiaSharp;

namespace Spotter.Data;

/// <summary>
/// Reads images with SkiaSharp. The format comes from the file's bytes, never its name (real
/// datasets hold PNGs named .jpg); JPEG EXIF orientation is applied, so sizes and pixels are as
/// the image is displayed. PNG (8/16-bit, palette, grey, RGBA), JPEG, WebP, BMP and GIF decode to
/// 8-bit RGBA.
/// </summary>
public static class ImageFile
{
    private static readonly HashSet<string> Extensions = new(StringComparer.OrdinalIgnoreCase)
        { ".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff" };

    /// <summary>The default <see cref="MaxPixels"/>: 100 megapixels (a 10000 x 10000 photo).</summary>
    public const long DefaultMaxPixels = 100_000_000;

    /// <summary>The environment variable that sets <see cref="MaxPixels"/> in megapixels.</summary>
    public const string MaxMegapixelsVariable = "SPOTTER_MAX_MEGAPIXELS";

    /// <summary>
    /// Images with more pixels than this are refused from their header, before any pixel is
    /// decoded: a small file can claim 30000 x 30000 pixels (3.6 GB decoded), a decompression
    /// bomb. 100 MP unless <c>SPOTTER_MAX_MEGAPIXELS</c> says otherwise.
    /// </summary>
    public static long MaxPixels { get; set; } = MaxPixelsFromEnvironment();

    private static long MaxPixelsFromEnvironment() =>
        double.TryParse(Environment.GetEnvironmentVariable(MaxMegapixelsVariable), System.Globalization.NumberStyles.Float,
            System.Globalization.CultureInfo.InvariantCulture, out var megapixels) && megapixels > 0
            ? (long)(megapixels * 1_000_000) : DefaultMaxPixels;

    /// <summary>Whether a file name looks like an image (for listing folders; reading goes by the bytes).</summary>
    public static bool HasImageExtension(string path) => Extensions.Contains(Path.GetExtension(path));

    /// <summary>Size, format and a quick truncation check, from the header and the last bytes.</summary>
    public static ImageInfo Probe(string path)
    {
        using var codec = OpenCodec(path);
        var (width, height) = OrientedSize(codec);
        var format = codec.EncodedFormat.ToString().ToLowerInvariant();
        return new ImageInfo(width, height, format, LooksTruncated(path, codec.EncodedFormat));
    }

    /// <summary>Why the image cannot be read (its header: missing, empty, not an image, over the pixel limit), or null when it can.</summary>
    public static string? ReadProblem(string path)
    {
        try
        {
            Probe(path);
            return null;
        }
        catch (SpotterException e)
        {
            return e.Message;
        }
    }

    /// <summary>Decodes to RGBA (premultiplied), orientation applied.</summary>
    public static SKBitmap Decode(string path)
    {
        using var codec = OpenCodec(path);
        return DecodeWith(codec, path, complete: false, out _);
    }

    /// <summary>Decodes an image held in a stream (any format SkiaSharp reads), orientation applied.</summary>
    /// <param name="complete">Refuse an image whose data ends early or is damaged (by default it decodes to what it has, the rest blank).</param>
    public static SKBitmap Decode(Stream stream, string name = "image", bool complete = false)
    {
        using var data = SKData.Create(stream);
        using var codec = data is null ? null : SKCodec.Create(data);
        if (codec is null) throw new SpotterException($"{name}: not a readable image");
        CheckPixelCount(codec, name);
        return DecodeWith(codec, name, complete, out _);
    }

    /// <summary>
    /// Decodes for a model whose input is <paramref name="inputSize"/> x <paramref name="inputSize"/>:
    /// a JPEG at least twice that size on both sides is decoded at a reduced scale (1/2, 1/4 or 1/8,
    /// in the codec, the smallest that keeps both sides at or above the input size), which for a
    /// 4000 x 3000 photo is several times faster than a full decode; every other image is decoded
    /// whole. Every prediction path and the training cache decode this way, so a model sees the
    /// same pixels in training and in use. <paramref name="width"/> and <paramref name="height"/>
    /// are the image's own (displayed) size, for mapping boxes back.
    /// </summary>
    public static SKBitmap DecodeForInput(string path, int inputSize, out int width, out int height) =>
        DecodeForInput(path, inputSize, out width, out height, out _);

    /// <inheritdoc cref="DecodeForInput(string, int, out int, out int)"/>
    /// <param name="incomplete">The decoder ran out of data (a file cut short): the image holds what it had, the rest blank.</param>
    public static SKBitmap DecodeForInput(string path, int inputSize, out int width, out int height, out bool incomplete)
    {
        using var codec = OpenCodec(path);
        (width, height) = OrientedSize(codec);
        return DecodeScaled(codec, path, inputSize, complete: false, out incomplete);
    }

    /// <inheritdoc cref="DecodeForInput(string, int, out int, out int)"/>
    public static SKBitmap DecodeForInput(Stream stream, int inputSize, out int width, out int height, string name = "image", bool complete = false)
    {
        using var data = SKData.Create(stream);
        using var codec = data is null ? null : SKCodec.Create(data);
        if (codec is null) throw new SpotterException($"{name}: not a readable image");
        CheckPixelCount(codec, name);
        (width, height) = OrientedSize(codec);
        return DecodeScaled(codec, name, inputSize, complete, out _);
    }

    private static SKBitmap DecodeScaled(SKCodec codec, string name, int inputSize, bool complete, out bool incomplete)
    {
        if (codec.EncodedFormat != SKEncodedImageFormat.Jpeg) return DecodeWith(codec, name, complete, out incomplete);
        foreach (var scale in new[] { 0.125f, 0.25f, 0.5f })
        {
            var scaled = codec.GetScaledDimensions(scale);
            if (scaled.Width < inputSize || scaled.Height < inputSize) continue;
            var info = new SKImageInfo(scaled.Width, scaled.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
            var bitmap = new SKBitmap(info);
            var result = codec.GetPixels(info, bitmap.GetPixels());
            if (result is SKCodecResult.Success or SKCodecResult.IncompleteInput && !(complete && result != SKCodecResult.Success))
            {
                incomplete = result == SKCodecResult.IncompleteInput;
                return ApplyOrientation(bitmap, codec.EncodedOrigin);
            }
            bitmap.Dispose();
            break; // the codec cannot scale this one: decode it whole
        }
        return DecodeWith(codec, name, complete, out incomplete);
    }

    // Decodes to RGBA; a truncated file gives what it has (the rest stays blank).
    private static SKBitmap DecodeWith(SKCodec codec, string name, bool complete, out bool incomplete)
    {
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        SKBitmap bitmap;
        try
        {
            bitmap = new SKBitmap(info);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // SkiaSharp reports a failed allocation with a plain Exception.
            throw new SpotterException($"{name}: not enough memory to decode the {info.Width}x{info.Height} image");
        }
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput) || (complete && result != SKCodecResult.Success))
        {
            bitmap.Dispose();
            throw new SpotterException($"{name}: cannot decode the image ({result})");
        }
        incomplete = result == SKCodecResult.IncompleteInput;
        return ApplyOrientation(bitmap, codec.EncodedOrigin);
    }

    private static SKCodec OpenCodec(string path)
    {
        if (!File.Exists(path)) throw new SpotterException($"{path}: image file not found");
        SKCodec? codec;
        SKCodecResult result;
        try
        {
            codec = SKCodec.Create(path, out result);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SpotterException($"{path}: cannot read the file ({e.Message})");
        }
        if (codec is null) throw new SpotterException($"{path}: not a readable image ({DescribeFailure(path, result)})");
        try
        {
            CheckPixelCount(codec, path);
        }
        catch
        {
            codec.Dispose();
            throw;
        }
        return codec;
    }

    private static void CheckPixelCount(SKCodec codec, string name)
    {
        var pixels = (long)codec.Info.Width * codec.Info.Height;
        if (pixels > MaxPixels)
            throw new SpotterException($"{name}: the image is {codec.Info.Width}x{codec.Info.Height} ({pixels / 1e6:0.#} MP), over the {MaxPixels / 1e6:0.#} MP limit " +
                $"(a decompression bomb or a huge scan; set {MaxMegapixelsVariable} to allow it)");
    }

    private static string DescribeFailure(string path, SKCodecResult result)
    {
        var length = new FileInfo(path).Length;
        if (length == 0) return "the file is empty";
        return result == SKCodecResult.IncompleteInput ? "the file is truncated" : "unknown or corrupt format";
    }

    private static (int Width, int Height) OrientedSize(SKCodec codec)
    {
        var swap = codec.EncodedOrigin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop
            or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        return swap ? (codec.Info.Height, codec.Info.Width) : (codec.Info.Width, codec.Info.Height);
    }

    // A complete JPEG ends with the EOI marker (FF D9) and a complete PNG with its IEND chunk.
    // Checking the tail is enough to catch files cut short, without decoding them.
    private static bool LooksTruncated(string path, SKEncodedImageFormat format)
    {
        if (format is not (SKEncodedImageFormat.Jpeg or SKEncodedImageFormat.Png)) return false;
        using var stream = File.OpenRead(path);
        var tailLength = (int)Math.Min(stream.Length, 1024);
        var tail = new byte[tailLength];
        stream.Seek(-tailLength, SeekOrigin.End);
        stream.ReadExactly(tail);
        if (format == SKEncodedImageFormat.Png)
            return tail.AsSpan().IndexOf("IEND"u8) < 0;
        for (var i = tail.Length - 2; i >= 0; i--)
            if (tail[i] == 0xFF && tail[i + 1] == 0xD9) return false;
        return true;
    }

    private static SKBitmap ApplyOrientation(SKBitmap source, SKEncodedOrigin origin)
    {
        if (origin == SKEncodedOrigin.TopLeft) return source;
        float w = source.Width, h = source.Height;
        var swap = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        // x' = a*x + b*y + c, y' = d*x + e*y + f, mapping stored pixels to displayed ones.
        var m = origin switch
        {
            SKEncodedOrigin.TopRight => new SKMatrix(-1, 0, w, 0, 1, 0, 0, 0, 1),
            SKEncodedOrigin.BottomRight => new SKMatrix(-1, 0, w, 0, -1, h, 0, 0, 1),
            SKEncodedOrigin.BottomLeft => new SKMatrix(1, 0, 0, 0, -1, h, 0, 0, 1),
            SKEncodedOrigin.LeftTop => new SKMatrix(0, 1, 0, 1, 0, 0, 0, 0, 1),
            SKEncodedOrigin.RightTop => new SKMatrix(0, -1, h, 1, 0, 0, 0, 0, 1),
            SKEncodedOrigin.RightBottom => new SKMatrix(0, -1, h, -1, 0, w, 0, 0, 1),
            SKEncodedOrigin.LeftBottom => new SKMatrix(0, 1, 0, -1, 0, w, 0, 0, 1),
            _ => SKMatrix.Identity,
        };
        var oriented = new SKBitmap(new SKImageInfo(swap ? source.Height : source.Width, swap ? source.Width : source.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(oriented))
        {
            canvas.SetMatrix(m);
            canvas.DrawBitmap(source, 0, 0);
        }
        source.Dispose();
        return oriented;
    }
}
