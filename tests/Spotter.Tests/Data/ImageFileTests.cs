using SkiaSharp;
using Spotter.Data;

namespace Spotter.Tests.Data;

public sealed class ImageFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("spotter-images-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    [Fact]
    public void A_png_named_jpg_is_read_as_png()
    {
        Fixtures.WriteImage(PathOf("really-a-png.jpg"), 40, 30, SKEncodedImageFormat.Png);
        var info = ImageFile.Probe(PathOf("really-a-png.jpg"));
        Assert.Equal((40, 30, "png"), (info.Width, info.Height, info.Format));
        using var bitmap = ImageFile.Decode(PathOf("really-a-png.jpg"));
        Assert.Equal(SKColors.Orange, bitmap.GetPixel(2, 2));
    }

    [Fact]
    public void A_16_bit_png_decodes_to_8_bit_colours()
    {
        Fixtures.Write16BitPng(PathOf("deep.png"), 8, 6, r: 65535, g: 32896, b: 0);
        Assert.Equal((8, 6), (ImageFile.Probe(PathOf("deep.png")).Width, ImageFile.Probe(PathOf("deep.png")).Height));
        using var bitmap = ImageFile.Decode(PathOf("deep.png"));
        var pixel = bitmap.GetPixel(3, 3);
        Assert.Equal(255, pixel.Red);
        Assert.InRange(pixel.Green, 127, 129);
        Assert.Equal(0, pixel.Blue);
    }

    [Fact]
    public void Grayscale_and_rgba_pngs_decode()
    {
        using var gray = new SKBitmap(10, 10, SKColorType.Gray8, SKAlphaType.Opaque);
        gray.Erase(new SKColor(90, 90, 90));
        Fixtures.WriteImage(PathOf("gray.png"), gray, SKEncodedImageFormat.Png);
        using var decodedGray = ImageFile.Decode(PathOf("gray.png"));
        Assert.Equal(new SKColor(90, 90, 90), decodedGray.GetPixel(5, 5));

        using var rgba = new SKBitmap(10, 10, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        rgba.Erase(new SKColor(200, 10, 10, 255));
        Fixtures.WriteImage(PathOf("rgba.png"), rgba, SKEncodedImageFormat.Png);
        using var decoded = ImageFile.Decode(PathOf("rgba.png"));
        Assert.Equal(new SKColor(200, 10, 10, 255), decoded.GetPixel(5, 5));
    }

    [Fact]
    public void A_truncated_jpeg_is_flagged_and_still_decodes()
    {
        // Noise makes the compressed pixel data much larger than the headers, as in photos.
        using var noisy = new SKBitmap(320, 240, SKColorType.Rgba8888, SKAlphaType.Premul);
        var rng = new Random(1);
        for (var y = 0; y < 240; y++)
            for (var x = 0; x < 320; x++) noisy.SetPixel(x, y, new SKColor((byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256)));
        Fixtures.WriteImage(PathOf("whole.jpg"), noisy, SKEncodedImageFormat.Jpeg);
        var bytes = File.ReadAllBytes(PathOf("whole.jpg"));
        File.WriteAllBytes(PathOf("cut.jpg"), bytes[..(bytes.Length * 2 / 3)]);
        Assert.False(ImageFile.Probe(PathOf("whole.jpg")).LooksTruncated);
        Assert.True(ImageFile.Probe(PathOf("cut.jpg")).LooksTruncated);
        using var bitmap = ImageFile.Decode(PathOf("cut.jpg"));
        Assert.Equal(320, bitmap.Width);

        // The decoder itself says it ran out of data, whole (input 320) and at a reduced scale (input 100: 1/2).
        foreach (var inputSize in new[] { 320, 100 })
        {
            using (ImageFile.DecodeForInput(PathOf("whole.jpg"), inputSize, out _, out _, out var wholeIncomplete))
                Assert.False(wholeIncomplete);
            using (ImageFile.DecodeForInput(PathOf("cut.jpg"), inputSize, out var width, out _, out var cutIncomplete))
            {
                Assert.True(cutIncomplete);
                Assert.Equal(320, width);
            }
        }
    }

    [Fact]
    public void Exif_orientation_is_applied_to_size_and_pixels()
    {
        // Stored 40 wide x 20 high with an orange top-left quarter; displayed rotated 90 degrees
        // clockwise: 20 wide x 40 high, the orange quarter now at the top-right.
        using var stored = Fixtures.TwoToneBitmap(40, 20, SKColors.SteelBlue, SKColors.Orange);
        Fixtures.WriteRotatedJpeg(PathOf("rotated.jpg"), stored);
        var info = ImageFile.Probe(PathOf("rotated.jpg"));
        Assert.Equal((20, 40), (info.Width, info.Height));
        using var bitmap = ImageFile.Decode(PathOf("rotated.jpg"));
        Assert.Equal((20, 40), (bitmap.Width, bitmap.Height));
        AssertNear(SKColors.Orange, bitmap.GetPixel(16, 4));
        AssertNear(SKColors.SteelBlue, bitmap.GetPixel(4, 4));
    }

    [Fact]
    public void Missing_empty_and_non_image_files_give_clear_errors()
    {
        Assert.Contains("not found", Assert.Throws<SpotterException>(() => ImageFile.Probe(PathOf("absent.jpg"))).Message);
        File.WriteAllBytes(PathOf("empty.jpg"), []);
        Assert.Contains("empty", Assert.Throws<SpotterException>(() => ImageFile.Probe(PathOf("empty.jpg"))).Message);
        File.WriteAllText(PathOf("text.png"), "hello");
        var error = Assert.Throws<SpotterException>(() => ImageFile.Probe(PathOf("text.png")));
        Assert.StartsWith(PathOf("text.png"), error.Message);
    }

    private static void AssertNear(SKColor expected, SKColor actual)
    {
        Assert.InRange(actual.Red, expected.Red - 12, expected.Red + 12);
        Assert.InRange(actual.Green, expected.Green - 12, expected.Green + 12);
        Assert.InRange(actual.Blue, expected.Blue - 12, expected.Blue + 12);
    }
}
