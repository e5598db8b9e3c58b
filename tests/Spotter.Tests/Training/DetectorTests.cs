using Spotter.Models.Backbones;
using Spotter.Models.Detection;
using Spotter.Training;
using TorchSharp;
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
        using var model = new SsdModel(BackboneCatalog.Create("tiny"), fixture.Dataset.Classes.Count, 128, new DetectorSettings());
        Overfit(model);
    }

    [Fact]
    public void The_lessons_anchors_and_tanh_decoding_train_too()
    {
        torch.manual_seed(3);
        using var model = new SsdModel(BackboneCatalog.Create("tiny"), fixture.Dataset.Classes.Count, 128, new DetectorSettings(Anchors: "lesson", Coder: "lesson"));
        Assert.Equal([2, 1, 1], model.Spec.Grids); // 4 -> 2 -> 1 -> 1 at 128 (4, 2, 1 at 224)
        using var learner = new Learner(model, fixture.Loader(count: 8, size: 128, batch: 8), null);
        var first = learner.Fit(1, [3e-3], LrSchedule.Constant)[0].TrainLoss;
        var later = learner.Fit(20, [3e-3], LrSchedule.Constant)[^1].TrainLoss;
        Assert.True(later < first / 2, $"loss {first} -> {later}");
        Assert.Equal(new[] { 4, 2, 1 }, new DetectorSettings(Anchors: "lesson").AnchorSpecFor(224).Grids);
    }

    [Fact]
    public void Any_multiple_of_32_works_and_the_anchors_match_the_head_outputs()
    {
        using var scope = NewDisposeScope();
        foreach (var size in new[] { 96, 160, 224 })
        {
            using var model = new SsdModel(BackboneCatalog.Create("tiny"), 5, size, new DetectorSettings());
            model.eval();
            using var _ = no_grad();
            var output = model.forward(rand(1, 3, size, size));
            Assert.Equal(model.Spec.Count, output.shape[1]);
        }
        Assert.Equal([28, 14, 7, 4], new DetectorSettings().AnchorSpecFor(224).Grids);
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
