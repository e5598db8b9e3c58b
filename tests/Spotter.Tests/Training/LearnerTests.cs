using Spotter.Models.Largest;
using Spotter.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Spotter.Tests.Training;

// Dropout draws from torch's one global generator: a test running beside this one would change
// the masks, and with them the seeded result. Quality assertions on training therefore run alone.
[Collection(nameof(SerialCollection))]
public sealed class LearnerTests(TrainingFixture fixture) : IClassFixture<TrainingFixture>
{
    [Theory]
    [InlineData(LargestObjectTask.ClassifyLargest, "lesson")]
    [InlineData(LargestObjectTask.LocateLargest, "lesson")]
    [InlineData(LargestObjectTask.Largest, "lesson")]
    [InlineData(LargestObjectTask.LocateLargest, "cells")]
    [InlineData(LargestObjectTask.Largest, "cells")]
    public void Each_task_overfits_one_small_batch(LargestObjectTask task, string boxHead)
    {
        torch.manual_seed(1);
        using var model = fixture.Model(task, boxHead: boxHead);
        var loader = fixture.Loader(count: 8);
        using var learner = new Learner(model, loader, loader, new LearnerOptions { WeightDecay = 0 });
        var before = learner.Validate()["valid_loss"];
        learner.Fit(100, [3e-3], LrSchedule.Constant);
        var after = learner.Validate()["valid_loss"];
        Assert.True(after < before / 10, $"{task.Name()} ({boxHead}): loss {before:F3} -> {after:F3}");
    }

    [Fact]
    public void Freezing_changes_exactly_the_trainable_parameter_set()
    {
        using var model = fixture.Model(LargestObjectTask.Largest);
        using var learner = new Learner(model, fixture.Loader(8), null);
        var groups = model.LayerGroups.Select(g => g.SelectMany(m => m.parameters()).Select(p => p.Handle).ToHashSet()).ToList();
        HashSet<IntPtr> Trainable() => model.parameters().Where(p => p.requires_grad).Select(p => p.Handle).ToHashSet();

        learner.Freeze();
        Assert.Equal(groups[2], Trainable());
        learner.FreezeTo(1);
        Assert.Equal(groups[1].Union(groups[2]).ToHashSet(), Trainable());
        learner.Unfreeze();
        Assert.Equal(model.parameters().Select(p => p.Handle).ToHashSet(), Trainable());
    }

    [Fact]
    public void Frozen_groups_do_not_move_and_their_batch_norms_keep_their_statistics()
    {
        using var model = fixture.Model(LargestObjectTask.Largest);
        var loader = fixture.Loader(16, augment: true);
        using var learner = new Learner(model, loader, null);
        learner.Freeze();
        var bodyBefore = model.Body.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        learner.Fit(1, [1e-2], LrSchedule.OneCycle);
        foreach (var (key, value) in model.Body.state_dict())
            Assert.True(value.equal(bodyBefore[key]).all().item<bool>(), $"{key} changed while frozen");
    }

    [Fact]
    public void The_lr_finder_stops_when_the_loss_explodes_and_restores_the_weights()
    {
        using var model = fixture.Model(LargestObjectTask.ClassifyLargest);
        var loader = fixture.Loader(16, augment: true, batch: 4);
        using var learner = new Learner(model, loader, null);
        var before = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var result = LrFinder.Run(learner, start: 1e-5, end: 1e4, iterations: 200);
        Assert.True(result.LearningRates.Count < 200, "stopped before the end of the sweep");
        Assert.True(result.SmoothedLosses[^1] > 4 * result.SmoothedLosses.Min() || double.IsNaN(result.Losses[^1]));
        Assert.InRange(result.Suggested, 1e-5, 1e4);
        foreach (var (key, value) in model.state_dict())
            Assert.True(value.equal(before[key]).all().item<bool>(), $"{key} not restored");
    }
}
