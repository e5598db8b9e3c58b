using System.Runtime.InteropServices;
using SkiaSharp;

namespace Spotter.Data;

/// <summary>
/// How an image becomes a model's input, everywhere in Spotter (training, evaluation, every
/// detector backend): squashed to S x S, ignoring the aspect ratio, with Mitchell cubic
/// filtering, then RGB bytes in planes (3 x S x S). A backend turns the bytes into 0..1 floats.
/// </summary>
public static class ImagePixels
{
    /// <summary>Resizes to exactly width x height, ignoring aspect ("squash"), with good filtering.</summary>
    public static SKBitmap Squash(SKBitmap source, int width, int height) =>
        source.Resize(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul), new SKSamplingOptions(SKCubicResampler.Mitchell));

    /// <summary>The image squashed to size x size as 3 x size x size RGB bytes, written at <paramref name="destination"/>.</summary>
    public static void SquashedPlanes(SKBitmap image, int size, Span<byte> destination)
    {
        using var squashed = Squash(image, size, size);
        Planes(squashed, destination);
    }

    /// <summary>A bitmap's RGB channels as 3 x H x W bytes (alpha dropped).</summary>
    public static void Planes(SKBitmap bitmap, Span<byte> destination)
    {
        var plane = bitmap.Width * bitmap.Height;
        if (destination.Length < 3 * plane) throw new ArgumentException("destination too small", nameof(destination));
        var rgba = bitmap.ColorType == SKColorType.Rgba8888 ? bitmap : Convert(bitmap);
        try
        {
            var row = new byte[rgba.RowBytes];
            for (var y = 0; y < rgba.Height; y++)
            {
                Marshal.Copy(rgba.GetPixels() + y * rgba.RowBytes, row, 0, row.Length);
                var at = y * rgba.Width;
                for (var x = 0; x < rgba.Width; x++)
                {
                    destination[at + x] = row[4 * x];
                    destination[plane + at + x] = row[4 * x + 1];
                    destination[2 * plane + at + x] = row[4 * x + 2];
                }
            }
        }
        finally
        {
            if (!ReferenceEquals(rgba, bitmap)) rgba.Dispose();
        }
    }

    /// <summary>The inverse of <see cref="Planes"/>: 3 x H x W RGB bytes as an opaque bitmap.</summary>
    public static SKBitmap FromPlanes(ReadOnlySpan<byte> planes, int width, int height)
    {
        var plane = width * height;
        if (planes.Length != 3 * plane) throw new ArgumentException($"expected 3 x {height} x {width} bytes, got {planes.Length}", nameof(planes));
        var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        var row = new byte[4 * width];
        for (var y = 0; y < height; y++)
        {
            var at = y * width;
            for (var x = 0; x < width; x++)
            {
                row[4 * x] = planes[at + x];
                row[4 * x + 1] = planes[plane + at + x];
                row[4 * x + 2] = planes[2 * plane + at + x];
                row[4 * x + 3] = 255;
            }
            Marshal.Copy(row, 0, bitmap.GetPixels() + y * bitmap.RowBytes, row.Length);
        }
        return bitmap;
    }

    private static SKBitmap Convert(SKBitmap bitmap)
    {
        var converted = new SKBitmap(bitmap.Width, bitmap.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var canvas = new SKCanvas(converted);
        canvas.DrawBitmap(bitmap, 0, 0);
        return converted;
    }
}
