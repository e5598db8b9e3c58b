using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace Spotter.Data;

/// <summary>Between SkiaSharp bitmaps and tensors: RGB, channels first, 0..1.</summary>
public static class ImageTensors
{
    /// <summary>A 3 x H x W float tensor in 0..1 from a bitmap (alpha dropped).</summary>
    public static Tensor ToTensor(SKBitmap bitmap)
    {
        var planes = new byte[3 * bitmap.Width * bitmap.Height];
        ImagePixels.Planes(bitmap, planes);
        using var scope = NewDisposeScope();
        return tensor(planes, [3, bitmap.Height, bitmap.Width], ScalarType.Byte).to(float32).div_(255f).MoveToOuterDisposeScope();
    }

    /// <summary>The part of a bitmap inside a rectangle (clipped to the bitmap), as a new bitmap.</summary>
    public static SKBitmap Crop(SKBitmap source, SKRectI rect)
    {
        rect.Intersect(new SKRectI(0, 0, source.Width, source.Height));
        var crop = new SKBitmap(Math.Max(1, rect.Width), Math.Max(1, rect.Height), SKColorType.Rgba8888, SKAlphaType.Premul);
        using var canvas = new SKCanvas(crop);
        canvas.DrawBitmap(source, rect, new SKRect(0, 0, crop.Width, crop.Height));
        return crop;
    }
}
