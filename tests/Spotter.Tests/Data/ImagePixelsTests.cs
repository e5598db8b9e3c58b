using Spotter.Data;

namespace Spotter.Tests.Data;

public sealed class ImagePixelsTests
{
    [Fact]
    public void Planes_made_into_a_bitmap_come_back_unchanged()
    {
        const int width = 7, height = 5;
        var planes = new byte[3 * width * height];
        new Random(2).NextBytes(planes);

        using var bitmap = ImagePixels.FromPlanes(planes, width, height);
        var back = new byte[planes.Length];
        ImagePixels.Planes(bitmap, back);

        Assert.Equal((width, height), (bitmap.Width, bitmap.Height));
        Assert.Equal(planes, back);
        Assert.Throws<ArgumentException>(() => ImagePixels.FromPlanes(planes, width, height + 1));
    }
}
