using Spotter.Models.Backbones;
using Spotter.Models.Detection;
using Spotter.Training;
using TorchSharp;
using Xunit.Abstractions;

namespace Spotter.Tests.Training;

public sealed class DetectorTests(TrainingFixture fixture, ITestOutputHelper log) : IClassFixture<TrainingFixture>
{
    [Fact]
    public void The_detector_overfits_a_tiny_synthetic_set_to_map50_above_0_9()
    {
        torch.manual_seed(3);
        using var model = new SsdModel(BackboneCatalog.Create("tiny"), fixture.Dataset.Classes.Count, 128, new DetectorSettings());
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
