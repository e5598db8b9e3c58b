using System.Runtime.InteropServices;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace Spotter.Data;

/// <summary>Between SkiaSharp bitmaps and tensors: RGB, channels first, 0..1.</summary>
public static class ImageTensors
{
    /// <summary>A 3 x H x W float tensor in 0..1 from an RGBA bitmap (alpha dropped).</summary>
    public static Tensor ToTensor(SKBitmap bitmap)
    {
        var rgba = bitmap.ColorType == SKColorType.Rgba8888 ? bitmap : Convert(bitmap);
        try
        {
            var bytes = new byte[rgba.ByteCount];
            Marshal.Copy(rgba.GetPixels(), bytes, 0, bytes.Length);
            using var scope = NewDisposeScope();
            var hwc = tensor(bytes, [rgba.Height, rgba.RowBytes / 4, 4], ScalarType.Byte);
            var chw = hwc[.., ..rgba.Width, ..3].permute(2, 0, 1).to(float32).div_(255f);
            return chw.contiguous().MoveToOuterDisposeScope();
        }
        finally
        {
            if (!ReferenceEquals(rgba, bitmap)) rgba.Dispose();
        }
    }

    /// <summary>Resizes to exactly width x height, ignoring aspect ("squash"), with good filtering.</summary>
    public static SKBitmap Squash(SKBitmap source, int width, int height) =>
        source.Resize(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul), new SKSamplingOptions(SKCubicResampler.Mitchell));

    /// <summary>The part of a bitmap inside a rectangle (clipped to the bitmap), as a new bitmap.</summary>
    public static SKBitmap Crop(SKBitmap source, SKRectI rect)
    {
        rect.Intersect(new SKRectI(0, 0, source.Width, source.Height));
        var crop = new SKBitmap(Math.Max(1, rect.Width), Math.Max(1, rect.Height), SKColorType.Rgba8888, SKAlphaType.Premul);
        using var canvas = new SKCanvas(crop);
        canvas.DrawBitmap(source, rect, new SKRect(0, 0, crop.Width, crop.Height));
        return crop;
    }

    private static SKBitmap Convert(SKBitmap bitmap)
    {
        var converted = new SKBitmap(bitmap.Width, bitmap.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var canvas = new SKCanvas(converted);
        canvas.DrawBitmap(bitmap, 0, 0);
        return converted;
    }
}
