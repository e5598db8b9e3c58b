using SkiaSharp;
using Spotter.Boxes;
using Spotter.Data;
using Spotter.Data.Loading;
using Spotter.Inference;
using static TorchSharp.torch;

namespace Spotter.Tests.Data;

public sealed class TileViewsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("spotter-tileviews-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void A_large_image_becomes_its_tiles_with_objects_clipped_and_the_whole_view_keeps_only_large_objects()
    {
        // 600 x 400, tiles of 200 with overlap 0.2: columns at 0, 133, 267, 400; rows at 0, 100, 200.
        var small = new LabeledBox(0, new Box(10, 10, 30, 30));                   // inside tile (0, 0) only
        var straddling = new LabeledBox(1, new Box(170, 300, 220, 320));          // 60 % in the (0, 200) tile, all in (133, 200)
        var large = new LabeledBox(0, new Box(300, 50, 600, 350));                 // 32 px at a 64 px input: the whole view keeps it
        var image = new ImageRecord("a", "a.jpg", 600, 400, [small, straddling, large]);

        var views = TileViews.Cut([image], new Tiling(200, 0.2f), inputSize: 64);

        var whole = Assert.Single(views, v => v.Region is null);
        Assert.Equal([large], whole.Objects);
        var first = Assert.Single(views, v => v.Region == SKRectI.Create(0, 0, 200, 200));
        Assert.Equal(("a@0,0", 200, 200), (first.Id, first.Width, first.Height));
        Assert.Contains(small, first.Objects);
        var bottomLeft = Assert.Single(views, v => v.Region == SKRectI.Create(0, 200, 200, 200));
        Assert.Equal(new Box(170, 100, 200, 120), Assert.Single(bottomLeft.Objects).Box);                      // clipped to the tile
        var next = Assert.Single(views, v => v.Region == SKRectI.Create(133, 200, 200, 200));
        Assert.Equal(new Box(37, 100, 87, 120), Assert.Single(next.Objects).Box);
        Assert.All(views.Where(v => v.Region is not null), v =>
        {
            Assert.NotEmpty(v.Objects);                                          // tiles without objects are left out
            Assert.All(v.Objects, o => Assert.True(o.Box.HasArea && o.Box.IsInside(v.Width, v.Height), $"{o.Box} in {v.Id}"));
        });
        Assert.Equal(views.Count, views.Select(v => v.PixelsKey).Distinct().Count());
    }

    [Fact]
    public void An_object_less_than_half_inside_a_tile_is_not_in_it_and_a_small_image_stays_whole()
    {
        var mostlyOutside = new LabeledBox(0, new Box(180, 10, 230, 30));       // 20 of 50 px inside the first tile
        var image = new ImageRecord("b", "b.jpg", 600, 200, [mostlyOutside]);
        var plain = new ImageRecord("c", "c.jpg", 250, 250, [mostlyOutside]);

        var views = TileViews.Cut([image, plain], new Tiling(200, 0.2f), inputSize: 64);

        Assert.DoesNotContain(views, v => v.Region?.Left == 0);
        Assert.Contains(views, v => v.Region?.Left == 133);
        Assert.Contains(plain, views);
    }

    [Fact]
    public void A_background_image_keeps_every_tile_and_its_whole_view_when_asked()
    {
        var background = new ImageRecord("n", "n.jpg", 600, 400, []);
        Assert.Empty(TileViews.Cut([background], new Tiling(200, 0.2f), inputSize: 64));
        var views = TileViews.Cut([background], new Tiling(200, 0.2f), inputSize: 64, keepEmpty: true);
        Assert.Equal(1 + 4 * 3, views.Count);                      // the whole view and 4 x 3 tiles
        Assert.All(views, v => Assert.Empty(v.Objects));
    }

    [Fact]
    public void The_store_gives_a_tile_the_pixels_of_its_region_whether_warmed_or_not()
    {
        var path = Path.Combine(_root, "gradient.png");
        using (var bitmap = new SKBitmap(300, 200))
        {
            for (var y = 0; y < 200; y++)
                for (var x = 0; x < 300; x++)
                    bitmap.SetPixel(x, y, new SKColor((byte)(x % 256), (byte)y, (byte)((x + y) % 256)));
            Fixtures.WriteImage(path, bitmap, SKEncodedImageFormat.Png);
        }
        var region = SKRectI.Create(150, 40, 64, 64);
        var tile = new ImageRecord("g@150,40", path, 64, 64, []) { Region = region };
        var expected = new byte[3 * 64 * 64];
        using (var decoded = SKBitmap.Decode(path))
        using (var part = new SKBitmap())
        {
            Assert.True(decoded.ExtractSubset(part, region));
            ImagePixels.SquashedPlanes(part, 64, expected);
        }

        using var cold = new ImageStore(64, 1);
        using var warm = new ImageStore(64, 2);
        warm.Warm([tile, new ImageRecord("g", path, 300, 200, [])]);
        foreach (var store in new[] { cold, warm })
        {
            var pixels = store.Get(tile, out var owned);
            Assert.Equal(expected, pixels.data<byte>().ToArray());
            Assert.Equal(150 % 256, expected[0]);                                // red = x at the region's corner
            if (owned) pixels.Dispose();
        }
    }
}
