using SkiaSharp;
using Spotter.Boxes;
using Spotter.Inference;

namespace Spotter.Tests.Inference;

public sealed class TilingTests : IDisposable
{
    private static readonly string[] Classes = ["cat", "dog"];
    private readonly string _root = Directory.CreateTempSubdirectory("spotter-tiling-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Tiles_cover_the_image_edge_to_edge_with_at_least_the_overlap_between_neighbours()
    {
        var tiles = new Tiling(256, 0.2f).Plan(1000, 600, inputSize: 64);

        var columns = tiles.Select(t => t.Left).Distinct().ToList();
        var rows = tiles.Select(t => t.Top).Distinct().ToList();
        Assert.Equal([0, 186, 372, 558, 744], columns); // ceil((1000 - 256) / 204.8) + 1 = 5, spread evenly
        Assert.Equal([0, 172, 344], rows);
        Assert.Equal(columns.Count * rows.Count, tiles.Count);
        Assert.All(tiles, t => Assert.True(t.Width == 256 && t.Height == 256 && t.Right <= 1000 && t.Bottom <= 600));
        Assert.All(columns.Zip(columns.Skip(1)), pair => Assert.True(pair.First + 256 - pair.Second >= 0.2 * 256));
    }

    [Fact]
    public void Auto_tiles_are_the_input_size_and_an_image_under_one_and_a_half_tiles_runs_whole()
    {
        var auto = new Tiling();

        Assert.Empty(auto.Plan(96, 90, inputSize: 64));                         // 1.5 x 64 = 96: whole
        var strip = auto.Plan(400, 50, inputSize: 64);                          // shorter than a tile: one row
        Assert.All(strip, t => Assert.Equal(SKRectI.Create(t.Left, 0, 64, 50), t));
        Assert.Equal(400, strip.Max(t => t.Right));
    }

    [Theory]
    [InlineData("auto", null)]
    [InlineData("AUTO", null)]
    [InlineData("512", 512)]
    public void Parse_reads_auto_or_a_size(string text, int? size) => Assert.Equal(size, Tiling.Parse(text)!.TileSize);

    [Fact]
    public void Parse_reads_none_as_no_tiling() => Assert.Null(Tiling.Parse("none"));

    [Fact]
    public void A_changed_copy_is_checked_too()
    {
        Assert.Throws<SpotterException>(() => new Tiling(256) with { Overlap = 0.95f });
        Assert.Throws<SpotterException>(() => new Tiling(256) with { TileSize = 8 });
    }

    [Fact]
    public void A_detector_takes_its_trained_tile_by_default_and_for_auto()
    {
        using var plain = new BrightSquareDetector(inputSize: 64);
        using var trained = new BrightSquareDetector(inputSize: 64, trainedTile: 96);

        Assert.Null(plain.Tiling);
        Assert.Equal(96, trained.Tiling?.TileSize);
        plain.Tiling = new Tiling();
        trained.Tiling = new Tiling();
        Assert.Equal((64, 96), (plain.Tiling.TileSize, trained.Tiling.TileSize));
    }

    [Theory]
    [InlineData("big", 0.2f)]
    [InlineData("16", 0.2f)]
    [InlineData("256", 0.9f)]
    [InlineData("256", -0.1f)]
    [InlineData("256", float.NaN)]
    public void Parse_refuses_what_is_not_a_tiling(string text, float overlap) =>
        Assert.Throws<SpotterException>(() => Tiling.Parse(text, overlap));

    [Fact]
    public void A_box_touching_an_inner_tile_edge_is_cut_and_one_at_the_image_edge_is_not()
    {
        var tile = SKRectI.Create(100, 0, 100, 100); // in a 300 x 100 image: inner edges left and right

        Assert.True(TileMerge.IsCut(new Box(100, 40, 120, 60), tile, 300, 100));
        Assert.True(TileMerge.IsCut(new Box(170, 40, 199, 60), tile, 300, 100));
        Assert.False(TileMerge.IsCut(new Box(130, 0, 150, 20), tile, 300, 100));   // top edge is the image's
        Assert.False(TileMerge.IsCut(new Box(130, 40, 150, 60), tile, 300, 100));
    }

    [Fact]
    public void A_cut_piece_gives_way_to_the_whole_box_even_when_it_scores_higher()
    {
        var whole = Found(0, 0.6f, new Box(90, 40, 130, 80), cut: false);
        var piece = Found(0, 0.9f, new Box(100, 40, 130, 80), cut: true); // IoU 0.75 would also do; make it lower:
        var sliver = Found(0, 0.95f, new Box(118, 40, 130, 80), cut: true); // IoU 0.3, inside the whole box

        var merged = TileMerge.Merge([piece, sliver, whole], nmsIou: 0.5f);

        Assert.Equal(whole.Detection, Assert.Single(merged));
    }

    [Fact]
    public void Two_whole_boxes_from_tiles_stay_apart_unless_they_overlap_by_the_nms_iou()
    {
        var a = Found(0, 0.9f, new Box(0, 0, 20, 20), cut: false);
        var b = Found(0, 0.8f, new Box(8, 0, 28, 20), cut: false);   // IoU 0.43, 60 % of each inside the other
        var sameAsA = Found(0, 0.7f, new Box(1, 0, 21, 20), cut: false);
        var otherClass = Found(1, 0.6f, new Box(0, 0, 20, 20), cut: false);

        var merged = TileMerge.Merge([a, b, sameAsA, otherClass], nmsIou: 0.5f);

        Assert.Equal([a.Detection, b.Detection, otherClass.Detection], merged);
    }

    [Fact]
    public void A_coarse_box_from_the_whole_image_takes_the_finer_tile_box_of_similar_size()
    {
        var fromTile = Found(0, 0.7f, new Box(100, 100, 112, 112), cut: false);
        var coarse = FromWhole(0.8f, new Box(97, 99, 111, 113)); // 196 vs 144 px, IoU 0.6

        var merged = Assert.Single(TileMerge.Merge([fromTile, coarse], nmsIou: 0.5f));

        Assert.Equal(new Box(100, 100, 112, 112), merged.Box);
        Assert.Equal(0.8f, merged.Score);
    }

    [Fact]
    public void A_large_box_from_the_whole_image_keeps_its_extent_and_removes_a_tile_box_inside_it()
    {
        var inside = Found(0, 0.3f, new Box(100, 100, 130, 130), cut: false);
        var large = FromWhole(0.9f, new Box(80, 80, 200, 200));

        Assert.Equal(large.Detection, Assert.Single(TileMerge.Merge([inside, large], nmsIou: 0.5f)));
    }

    [Fact]
    public void Tiling_finds_a_small_object_the_squash_loses_at_its_own_pixels_including_one_across_a_tile_edge()
    {
        // 1000 x 1000 JPEG, 12 px white squares; the model's input is 64, so squashed whole a square is under a pixel.
        var path = Path.Combine(_root, "large.jpg");
        Box[] squares = [new(500, 300, 512, 312), new(60, 900, 72, 912)]; // the second straddles two auto tiles' edges
        WriteBlackImageWithSquares(path, 1000, 1000, squares);
        using var detector = new BrightSquareDetector(inputSize: 64);

        Assert.Empty(detector.Detect(path));

        detector.Tiling = new Tiling();
        var found = detector.Detect(path).OrderBy(d => d.Box.Y1).ToList();

        Assert.Equal(squares.Length, found.Count);
        foreach (var (truth, d) in squares.OrderBy(b => b.Y1).Zip(found))
            Assert.True(d.Box.Iou(truth) > 0.8f, $"{d.Box} vs {truth}"); // JPEG blurs the edges by a pixel at most
    }

    [Fact]
    public void Tiles_run_in_batches_and_a_small_image_is_run_once()
    {
        using var detector = new BrightSquareDetector(inputSize: 64) { Tiling = new Tiling(64, 0.2f) };
        using var small = new SKBitmap(90, 90);
        using var large = new SKBitmap(400, 400);

        detector.Detect(small);
        Assert.Equal(1, detector.Inputs);
        detector.Detect(large);
        var perSide = (int)Math.Ceiling((400 - 64) / (64 * 0.8)) + 1;
        Assert.Equal(1 + 1 + perSide * perSide, detector.Inputs); // + the whole image
    }

    [Fact]
    public void Labels_drawn_on_a_large_image_are_no_taller_than_its_median_box()
    {
        IReadOnlyList<Detection> small = [.. Enumerable.Range(0, 5).Select(i => Detection.Of(0, 0.9f, new Box(10 * i, 0, 10 * i + 20, 18 + i), Classes))];
        IReadOnlyList<Detection> large = [Detection.Of(0, 0.9f, new Box(0, 0, 300, 300), Classes)];

        Assert.Equal(20, DetectFiles.LabelSize(2000, 2000, small));    // median height, not 2000 / 30
        Assert.Equal(16, DetectFiles.LabelSize(640, 480, large));      // 480 / 30
        Assert.Equal(12, DetectFiles.LabelSize(200, 200, []));         // never below 12
    }

    [Fact]
    public void A_largest_object_model_refuses_tiling()
    {
        using var detector = new LargestStandIn();
        Assert.Throws<SpotterException>(() => detector.Tiling = new Tiling());
    }

    private static TileMerge.Found Found(int classIndex, float score, Box box, bool cut) =>
        new(Detection.Of(classIndex, score, box, Classes), cut, FromWholeImage: false);

    private static TileMerge.Found FromWhole(float score, Box box) => new(Detection.Of(0, score, box, Classes), Cut: false, FromWholeImage: true);

    private static void WriteBlackImageWithSquares(string path, int width, int height, IEnumerable<Box> squares)
    {
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.Black);
            using var white = new SKPaint { Color = SKColors.White };
            foreach (var b in squares) canvas.DrawRect(b.X1, b.Y1, b.Width, b.Height, white);
        }
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 100);
        File.WriteAllBytes(path, data.ToArray());
    }

    private sealed class LargestStandIn() : DetectorBase(new DetectorInfo(ModelTask.Largest, ["cat"], 64, 0f, "fake", "cpu"))
    {
        protected override IReadOnlyList<IReadOnlyList<Detection>> DetectSquashed(byte[] pixels, int count) => throw new NotSupportedException();
    }
}
