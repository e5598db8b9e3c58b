using Spotter.Models.Largest;
using Spotter.Training;
using TorchSharp;

namespace Spotter.Tests.Training;

/// <summary>Exact-repeat checks rely on libtorch's global random generator (dropout), so they run alone.</summary>
[Collection(nameof(SerialCollection))]
public sealed class CheckpointTests(TrainingFixture fixture) : IClassFixture<TrainingFixture>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("spotter-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private (LargestObjectModel, Learner) Fresh()
    {
        torch.manual_seed(5); // same initial weights each time
        var model = fixture.Model(LargestObjectTask.Largest);
        var loader = fixture.Loader(16, augment: true, batch: 8, shuffle: true);
        return (model, new Learner(model, loader, fixture.Loader(8), seed: 9));
    }

    [Fact]
    public void A_resumed_run_continues_with_identical_metrics()
    {
        var (straightModel, straight) = Fresh();
        using (straightModel)
        using (straight)
            straight.Fit(3, [2e-3], LrSchedule.OneCycle);

        var (firstModel, first) = Fresh();
        using (firstModel)
        using (first)
        {
            first.Fit(3, [2e-3], LrSchedule.OneCycle, stopAfter: 1);
            Checkpoint.Save(first, _folder, best: null);
        }

        var (resumedModel, resumed) = Fresh();
        using (resumedModel)
        using (resumed)
        {
            var state = Checkpoint.Load(resumed, _folder);
            Assert.Equal(1, state.EpochsDone);
            resumed.Fit(3, [2e-3], LrSchedule.OneCycle, startEpoch: state.EpochsDone);
            Assert.Equal(straight.History.Select(r => r.TrainLoss), resumed.History.Select(r => r.TrainLoss));
            Assert.Equal(straight.History.Select(r => r.Metrics["mean_iou"]), resumed.History.Select(r => r.Metrics["mean_iou"]));
        }
    }

    [Theory]
    [InlineData("lesson")]
    [InlineData("cells")]
    public void A_saved_model_loads_back_and_predicts_the_same(string boxHead)
    {
        using var model = fixture.Model(LargestObjectTask.Largest, boxHead: boxHead);
        model.eval();
        var info = model.Describe("tiny", fixture.Dataset.Classes);
        Spotter.Models.ModelFile.Save(model, info, _folder);
        var (loaded, loadedInfo) = Spotter.Models.ModelFile.Load(_folder);
        using (loaded)
        {
            Assert.Equal(info.Classes, loadedInfo.Classes);
            Assert.Equal(boxHead, ((LargestObjectModel)loaded).BoxHead);
            using var batch = fixture.Loader(8).Epoch(0).First();
            Assert.Equal(model.PredictBatch(batch.Images).SelectMany(p => p), loaded.PredictBatch(batch.Images).SelectMany(p => p));
        }
    }
}

public sealed class BatchTests(TrainingFixture fixture) : IClassFixture<TrainingFixture>
{
    [Fact]
    public void A_batch_survives_being_used_for_several_steps()
    {
        using var model = fixture.Model(Spotter.Models.Largest.LargestObjectTask.Largest);
        var loader = fixture.Loader(8);
        using var learner = new Learner(model, loader, null);
        using var batch = loader.Epoch(0).First();
        for (var i = 0; i < 3; i++)
            Assert.True(double.IsFinite(learner.Step(batch, [1e-3, 1e-3, 1e-3])));
    }
}
