using SkiaSharp;
using Spotter.Boxes;
using Spotter.Tests.Data;
using Spotter.Visualization;

namespace Spotter.Tests.Visualization;

/// <summary>
/// Drawing compared with a stored picture (Golden/grid.png), pixel by pixel with a tolerance
/// that absorbs anti-aliasing and font hinting differences but not a moved or missing box.
/// Set SPOTTER_UPDATE_GOLDEN=1 to rewrite the picture after an intended change (then look at it).
/// </summary>
public sealed class DrawingGoldenTests : IDisposable
{
    private static readonly string GoldenPath = Path.Combine(AppContext.BaseDirectory, "Golden", "grid.png");
    private readonly string _folder = Directory.CreateTempSubdirectory("spotter-draw-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private SKBitmap Draw()
    {
        var image = Path.Combine(_folder, "scene.png");
        Fixtures.WriteImage(image, 160, 120, SKEncodedImageFormat.Png);
        var tiles = new[]
        {
            new GridTile(image, [new DrawnBox(new Box(20, 15, 120, 100), "dog", SKColors.White)], "one object"),
            new GridTile(image, [
                new DrawnBox(new Box(5, 5, 60, 50), "0: cat 0.91", Palette.ForIndex(0)),
                new DrawnBox(new Box(70, 40, 150, 110), "1: dog 0.55", Palette.ForIndex(1))], "two objects"),
        };
        return ImageGrid.Render(tiles, columns: 2, tileSize: 160);
    }

    [Fact]
    public void The_grid_matches_the_golden_picture()
    {
        using var actual = Draw();
        if (Environment.GetEnvironmentVariable("SPOTTER_UPDATE_GOLDEN") == "1")
        {
            var source = Path.Combine(FindTestsFolder(), "Golden", "grid.png");
            ImageGrid.Save(actual, source);
        }
        using var expected = SKBitmap.Decode(GoldenPath);
        Assert.Equal((expected.Width, expected.Height), (actual.Width, actual.Height));
        var differing = 0;
        for (var y = 0; y < actual.Height; y++)
            for (var x = 0; x < actual.Width; x++)
            {
                SKColor a = actual.GetPixel(x, y), e = expected.GetPixel(x, y);
                if (Math.Max(Math.Abs(a.Red - e.Red), Math.Max(Math.Abs(a.Green - e.Green), Math.Abs(a.Blue - e.Blue))) > 40) differing++;
            }
        Assert.True(differing < actual.Width * actual.Height / 200, $"{differing} pixels differ from the golden picture");
    }

    [Fact]
    public void A_white_box_sits_on_its_coordinates_with_a_black_outline()
    {
        using var grid = Draw();
        // Tile 1 starts at (6, 6) and shows the 160x120 image at scale 1: the box's left edge
        // x = 20 is white at 26 and black just outside the 2 px line.
        Assert.Equal(SKColors.White, grid.GetPixel(26, 6 + 60));
        Assert.Equal(SKColors.Black, grid.GetPixel(24, 6 + 60));
        Assert.Equal(SKColors.SteelBlue, grid.GetPixel(6 + 60, 6 + 70)); // inside the box, untouched
    }

    private static string FindTestsFolder()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "Spotter.Tests.csproj"))) folder = folder.Parent;
        return folder?.FullName ?? throw new InvalidOperationException("tests folder not found");
    }
}

public sealed class SampleSheetTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("spotter-sheet-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Truth_and_predictions_sit_side_by_side_in_their_colours()
    {
        var path = Path.Combine(_folder, "a.png");
        Fixtures.WriteImage(path, 100, 100, SKEncodedImageFormat.Png);
        var image = new Spotter.Data.ImageRecord("a", path, 100, 100, [new Spotter.Data.LabeledBox(0, new Box(10, 10, 90, 90))]);
        using var sheet = SampleSheet.Render([image], [[Detection.Of(0, 0.8f, new Box(30, 30, 70, 70), ["cat"])]], ["cat"], tileSize: 100);
        // Two tiles of 100 px: truth box edge at x=10 in the first, predicted edge at x=30 in the second.
        Assert.Equal(2 * (100 + 6) + 6, sheet.Width);
        Assert.Equal(SKColors.White, sheet.GetPixel(6 + 10, 6 + 50));
        Assert.Equal(SKColors.White, sheet.GetPixel(6 + 106 + 30, 6 + 50));
        Assert.NotEqual(SKColors.White, sheet.GetPixel(6 + 106 + 10, 6 + 50));
    }
}
