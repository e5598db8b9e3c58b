using Spotter.Models;
using Spotter.Models.Backbones;
using Spotter.Models.Detection;
using Spotter.Tests.Training;
using TorchSharp;

namespace Spotter.Tests.Models;

public sealed class DetectorApiTests(TrainingFixture fixture) : IClassFixture<TrainingFixture>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("spotter-api-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string SaveDetector()
    {
        torch.manual_seed(8);
        using var model = new SsdModel(BackboneCatalog.Create("tiny"), fixture.Dataset.Classes.Count, 128, new DetectorSettings(ScoreThreshold: 0.001));
        ModelFile.Save(model, model.Describe("tiny", fixture.Dataset.Classes), _folder);
        return _folder;
    }

    [Fact]
    public void File_stream_and_batch_give_the_same_detections_in_original_pixels()
    {
        using var detector = Detector.Load(SaveDetector(), "cpu");
        var path = fixture.Dataset.Images[0].Path;
        var fromFile = detector.Detect(path, threshold: 0);
        using var stream = File.OpenRead(path);
        var fromStream = detector.Detect(stream, threshold: 0);
        var batched = detector.Detect([path, fixture.Dataset.Images[1].Path], threshold: 0);
        Assert.NotEmpty(fromFile);
        Assert.Equal(fromFile, fromStream);
        // A batch of two runs other convolution kernels than a batch of one: equal to float precision.
        Assert.Equal(fromFile.Count, batched[0].Count);
        foreach (var (one, many) in fromFile.Zip(batched[0]))
        {
            Assert.Equal(one.Class, many.Class);
            Assert.Equal(one.Score, many.Score, 4);
            Assert.Equal(one.Box.X1, many.Box.X1, 2);
            Assert.Equal(one.Box.Y2, many.Box.Y2, 2);
        }
        Assert.All(fromFile, d => Assert.True(d.Box.IsInside(96, 96), $"{d.Box} outside the 96x96 image"));
        Assert.All(fromFile, d => Assert.Equal(fixture.Dataset.Classes[d.ClassIndex], d.Class));
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
    public void A_missing_model_gives_a_clear_error()
    {
        var error = Assert.Throws<SpotterException>(() => Detector.Load(Path.Combine(_folder, "nothing")));
        Assert.Contains("model.json", error.Message);
    }
}
