using Spotter.Models;
using Spotter.Models.Ssd;
using Spotter.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Xunit.Abstractions;

namespace Spotter.Tests.Training;

// Dropout draws from torch's one global generator: a test running beside this one would change
// the masks, and with them the seeded result. Quality assertions on training therefore run alone.
[Collection(nameof(SerialCollection))]
public sealed class DetectorTests(TrainingFixture fixture, ITestOutputHelper log) : IClassFixture<TrainingFixture>
{
    [Fact]
    public void The_detector_overfits_a_tiny_synthetic_set_to_map50_above_0_9()
    {
        torch.manual_seed(3);
        using var model = fixture.Detector(128);
        Overfit(model);
    }

    [Fact]
    public void The_lessons_anchors_and_tanh_decoding_train_too()
    {
        var lesson = new DetectorOptions { Anchors = AnchorLayout.Lesson, BoxCoder = BoxCoderKind.Lesson };
        torch.manual_seed(3);
        using var model = fixture.Detector(128, lesson);
        Assert.Equal([(2, 2), (1, 1), (1, 1)], model.Grids); // 4 -> 2 -> 1 -> 1 at 128
        Assert.Equal(6 * 9, model.AnchorCount);
        using var learner = new Learner(model, fixture.Loader(count: 8, size: 128, batch: 8), null);
        var first = learner.Fit(1, [3e-3], LrSchedule.Constant)[0].TrainLoss;
        var later = learner.Fit(20, [3e-3], LrSchedule.Constant)[^1].TrainLoss;
        Assert.True(later < first / 2, $"loss {first} -> {later}");
        using var at224 = fixture.Detector(224, lesson);
        Assert.Equal([(4, 4), (2, 2), (1, 1)], at224.Grids); // lesson 9's grids
    }

    [Fact]
    public void Any_multiple_of_32_works_and_the_anchors_follow_the_maps()
    {
        using var scope = NewDisposeScope();
        foreach (var size in new[] { 96, 160, 224 })
        {
            using var model = fixture.Detector(size);
            model.eval();
            using var _ = no_grad();
            var output = model.forward(rand(1, 3, size, size));
            Assert.Equal(model.AnchorCount, output.shape[1]);
            Assert.Equal(model.Grids.Sum(g => g.Rows * g.Columns) * 9, model.AnchorCount);
        }
        using var at224 = fixture.Detector(224);
        Assert.Equal([(28, 28), (14, 14), (7, 7), (4, 4)], at224.Grids); // the extra block rounds 7 up to 4
        var error = Assert.Throws<SpotterException>(() => at224.forward(zeros(1, 3, 160, 160)));
        Assert.Contains("224x224", error.Message);
    }

    [Fact]
    public void A_detector_setting_goes_from_its_options_to_the_module_and_back_through_model_json()
    {
        var options = new DetectorOptions { HeadWidth = 48, AnchorRatios = [1.0, 0.5, 2.0, 0.25, 4.0] };
        using var model = fixture.Detector(96, options);
        var headConvs = model.named_modules().Where(m => m.name.StartsWith("heads.", StringComparison.Ordinal) && m.module is Conv2d).Select(m => (Conv2d)m.module).ToList();
        Assert.All(headConvs.Where(c => c.in_channels == 48), c => Assert.Contains(c.out_channels, new long[] { 48, 15 * 5, 15 * 4 }));
        Assert.Equal(4, headConvs.Count(c => c.out_channels == 48)); // each level's conv block is 48 wide
        Assert.Equal(model.Grids.Sum(g => g.Rows * g.Columns) * 15, model.AnchorCount); // 3 zooms x 5 ratios

        var folder = Directory.CreateTempSubdirectory("spotter-spec-").FullName;
        try
        {
            ModelFile.Save(model, folder);
            using var loaded = ModelFile.Load(folder);
            Assert.Equal(48, loaded.Spec.DetectorSettings.HeadWidth);
            Assert.Equal([1.0, 0.5, 2.0, 0.25, 4.0], loaded.Spec.DetectorSettings.Ratios);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private void Overfit(SsdModel model)
    {
        var loader = fixture.Loader(count: 8, size: 128, batch: 8);
        using var learner = new Learner(model, loader, loader, new LearnerOptions { WeightDecay = 0 });
        var before = learner.Validate();
        learner.Fit(150, [3e-3], LrSchedule.OneCycle);
        var after = learner.Validate();
        log.WriteLine($"loss {before["valid_loss"]:F3} -> {after["valid_loss"]:F3}, map50 {before["map50"]:F3} -> {after["map50"]:F3}");
        Assert.True(after["map50"] > 0.9, $"map50 {after["map50"]}");
        Assert.True(after["valid_loss"] < before["valid_loss"] / 10);
    }
}
