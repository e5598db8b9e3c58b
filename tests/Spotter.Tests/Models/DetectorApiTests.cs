using SkiaSharp;
using Spotter.Data;
using Spotter.Inference;
using Spotter.Models;
using Spotter.Models.Ssd;
using Spotter.Tests.Cli;
using Spotter.Tests.Data;
using Spotter.Tests.Training;
using TorchSharp;

namespace Spotter.Tests.Models;

/// <summary>
/// The one prediction path: the .NET API and the CLI give the same detections. Every comparison
/// is between runs of the same computation (same images in a batch of the same size), so the
/// answers are equal exactly, whatever the (untrained, near-tied) weights are.
/// </summary>
public sealed class DetectorApiTests(TrainingFixture fixture) : IClassFixture<TrainingFixture>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("spotter-api-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string SaveDetector()
    {
        var run = Path.Combine(_folder, "model");
        using var model = fixture.Detector(128, new DetectorOptions { ScoreThreshold = 0.001 });
        ModelFile.Save(model, run);
        return run;
    }

    [Fact]
    public void File_and_stream_give_the_same_detections_in_original_pixels()
    {
        using var detector = Detector.Load(SaveDetector(), "cpu");
        var path = fixture.Dataset.Images[0].Path;
        var fromFile = detector.Detect(path, threshold: 0);
        using var stream = File.OpenRead(path);
        var fromStream = detector.Detect(stream, threshold: 0);
        Assert.NotEmpty(fromFile);
        Assert.Equal(fromFile, fromStream);
        Assert.All(fromFile, d => Assert.True(d.Box.IsInside(96, 96), $"{d.Box} outside the 96x96 image"));
        Assert.All(fromFile, d => Assert.Equal(fixture.Dataset.Classes[d.ClassIndex], d.Class));
    }

    [Fact]
    public void An_image_in_a_batch_gets_its_own_detections_mapped_to_its_own_size()
    {
        using var detector = Detector.Load(SaveDetector(), "cpu");
        var a = fixture.Dataset.Images[0].Path;
        var wide = Path.Combine(_folder, "wide.png");
        using (var source = SKBitmap.Decode(fixture.Dataset.Images[1].Path))
        using (var stretched = source.Resize(new SKImageInfo(300, 96), SKSamplingOptions.Default))
        using (var file = File.Create(wide))
            stretched.Encode(file, SKEncodedImageFormat.Png, 100);

        var withWide = detector.Detect([a, wide], threshold: 0);
        var withOther = detector.Detect([a, fixture.Dataset.Images[2].Path], threshold: 0);
        Assert.Equal(withWide[0], withOther[0]); // the neighbour in the batch changes nothing
        Assert.Contains(withWide[1], d => d.Box.X2 > 96);  // boxes of the 300 px wide image span its width
        Assert.All(withWide[1], d => Assert.True(d.Box.IsInside(300, 96), $"{d.Box} outside the 300x96 image"));
    }

    [Fact]
    public void Several_threads_get_the_same_results_as_one()
    {
        using var detector = Detector.Load(SaveDetector(), "cpu");
        var paths = fixture.Dataset.Images.Take(6).Select(i => i.Path).ToList();
        var expected = paths.Select(p => detector.Detect(p, threshold: 0)).ToList();
        var actual = new IReadOnlyList<Detection>[paths.Count * 4];
        Parallel.For(0, actual.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => actual[i] = detector.Detect(paths[i % paths.Count], threshold: 0));
        for (var i = 0; i < actual.Length; i++) Assert.Equal(expected[i % paths.Count], actual[i]);
    }

    [Fact]
    public void The_cli_and_the_api_give_identical_detections_for_the_same_image()
    {
        var run = SaveDetector();
        var image = fixture.Dataset.Images[3].Path;
        var output = Path.Combine(_folder, "detect");
        var (code, _, error) = CliRunner.Run("detect", run, image, "--out", output, "--threshold", "0.01", "--device", "cpu");
        Assert.True(code == 0, error);
        var fromCli = Assert.Single(ImageDetections.FromJson(File.ReadAllText(Path.Combine(output, ImageDetections.FileName))));

        using var detector = Detector.Load(run, "cpu");
        var fromApi = detector.Detect(image, threshold: 0.01f);
        Assert.NotEmpty(fromApi);
        Assert.Equal(96, fromCli.Width);
        // detections.json holds class, score and box; the API's detections, written and read back, are the same.
        var apiJson = ImageDetections.FromJson(ImageDetections.ToJson([new ImageDetections(image, 96, 96, fromApi)]))[0];
        Assert.Equal(apiJson.Detections, fromCli.Detections);
        Assert.Equal(fromApi.Select(d => (d.Class, d.Score, d.Box)), fromCli.Detections.Select(d => (d.Class, d.Score, d.Box)));
    }

    [Fact]
    public void A_large_jpeg_decoded_at_reduced_scale_gives_the_same_detections_by_file_stream_and_cli()
    {
        var run = SaveDetector(); // 128 px input: a 1024 x 768 JPEG decodes at 1/4 scale, 256 x 192
        var large = Path.Combine(_folder, "large.jpg");
        using (var source = SKBitmap.Decode(fixture.Dataset.Images[4].Path))
        using (var scaled = source.Resize(new SKImageInfo(1024, 768), new SKSamplingOptions(SKCubicResampler.Mitchell)))
            Spotter.Tests.Data.Fixtures.WriteImage(large, scaled, SKEncodedImageFormat.Jpeg);
        using (var reduced = ImageFile.DecodeForInput(large, 128, out var width, out var height))
            Assert.Equal((256, 192, 1024, 768), (reduced.Width, reduced.Height, width, height));

        using var detector = Detector.Load(run, "cpu");
        var fromFile = detector.Detect(large, threshold: 0.01f);
        using var stream = File.OpenRead(large);
        var fromStream = detector.Detect(stream, threshold: 0.01f);
        var output = Path.Combine(_folder, "detect-large");
        var (code, _, error) = CliRunner.Run("detect", run, large, "--out", output, "--threshold", "0.01", "--device", "cpu");
        Assert.True(code == 0, error);
        var fromCli = Assert.Single(ImageDetections.FromJson(File.ReadAllText(Path.Combine(output, ImageDetections.FileName))));

        Assert.NotEmpty(fromFile);
        Assert.Equal(fromFile, fromStream);
        Assert.Equal((1024, 768), (fromCli.Width, fromCli.Height));
        Assert.Equal(fromFile.Select(d => (d.Class, d.Box)), fromCli.Detections.Select(d => (d.Class, d.Box)));
        Assert.Contains(fromFile, d => d.Box.X2 > 256); // mapped to the image's own pixels, not the reduced decode's
        Assert.Equal((1024, 768), (ImageFile.Probe(Path.Combine(output, "large.png")).Width, ImageFile.Probe(Path.Combine(output, "large.png")).Height));
    }

    [Fact]
    public void Tiled_detection_is_the_same_by_api_and_cli_and_a_bad_tile_option_is_one_line()
    {
        var run = SaveDetector(); // 128 px input; --tile 200 on a 1024 x 768 JPEG: 6 x 4 tiles + the whole image
        var large = Path.Combine(_folder, "tiled.jpg");
        using (var source = SKBitmap.Decode(fixture.Dataset.Images[4].Path))
        using (var scaled = source.Resize(new SKImageInfo(1024, 768), new SKSamplingOptions(SKCubicResampler.Mitchell)))
            Spotter.Tests.Data.Fixtures.WriteImage(large, scaled, SKEncodedImageFormat.Jpeg);

        using var detector = Detector.Load(run, "cpu");
        detector.Tiling = new Tiling(200, 0.25f);
        Assert.Equal(int.MaxValue, detector.DecodeSize); // tiles are cut from the full decode
        var fromApi = detector.Detect(large, threshold: 0.01f);
        var output = Path.Combine(_folder, "detect-tiled");
        var (code, _, error) = CliRunner.Run("detect", run, large, "--out", output, "--threshold", "0.01", "--device", "cpu", "--tile", "200", "--tile-overlap", "0.25");
        Assert.True(code == 0, error);
        var fromCli = Assert.Single(ImageDetections.FromJson(File.ReadAllText(Path.Combine(output, ImageDetections.FileName))));

        Assert.NotEmpty(fromApi);
        Assert.Equal(fromApi.Select(d => (d.Class, d.Box)), fromCli.Detections.Select(d => (d.Class, d.Box)));
        Assert.All(fromApi, d => Assert.True(d.Box.IsInside(1024, 768), $"{d.Box} outside the image"));
        Assert.Contains(fromApi, d => d.Box.X2 > 512 && d.Box.Y2 > 384);  // tiles from the far corner map back there

        (code, _, error) = CliRunner.Run("detect", run, large, "--out", Path.Combine(_folder, "bad"), "--tile", "huge");
        Assert.Equal(1, code);
        Assert.Equal("spotter: --tile must be 'auto', 'none' or a size in pixels (got 'huge')", error.Trim());
        Assert.False(Directory.Exists(Path.Combine(_folder, "bad")));
    }

    [Theory]
    [InlineData(SKEncodedImageFormat.Png, 800, 600, 800, 600)]  // only JPEG decodes at a reduced scale
    [InlineData(SKEncodedImageFormat.Jpeg, 200, 150, 200, 150)] // not twice the input on both sides
    [InlineData(SKEncodedImageFormat.Jpeg, 2048, 1024, 256, 128)] // 1/8, the smallest scale with both sides >= 128
    public void Decoding_for_the_input_reduces_only_jpegs_at_least_twice_the_input_size(SKEncodedImageFormat format, int width, int height, int decodedWidth, int decodedHeight)
    {
        var path = Path.Combine(_folder, $"img.{format}");
        Spotter.Tests.Data.Fixtures.WriteImage(path, width, height, format);

        using var decoded = ImageFile.DecodeForInput(path, 128, out var ownWidth, out var ownHeight);

        Assert.Equal((decodedWidth, decodedHeight, width, height), (decoded.Width, decoded.Height, ownWidth, ownHeight));
    }

    [Fact]
    public void A_missing_model_gives_a_clear_error()
    {
        var error = Assert.Throws<SpotterException>(() => Detector.Load(Path.Combine(_folder, "nothing")));
        Assert.Contains("model.json", error.Message);
    }
}
