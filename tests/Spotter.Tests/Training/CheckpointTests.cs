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

    private (LargestObjectModel, Learner) Fresh(double averageEpochs = 0)
    {
        torch.manual_seed(5); // same initial weights each time
        var model = fixture.Model(ModelTask.Largest);
        var loader = fixture.Loader(16, augment: true, batch: 8, shuffle: true);
        return (model, new Learner(model, loader, fixture.Loader(8), new LearnerOptions { AverageEpochs = averageEpochs }, seed: 9));
    }

    [Theory]
    [InlineData(false, 0)]
    [InlineData(true, 0)] // the optimiser's state in PyTorch's format, as earlier Spotter versions wrote it
    [InlineData(false, 1)] // a moving average of the weights (validated, so the metrics show it continued exactly)
    public void A_resumed_run_continues_with_identical_metrics(bool olderOptimizerFile, double averageEpochs)
    {
        var (straightModel, straight) = Fresh(averageEpochs);
        using (straightModel)
        using (straight)
            straight.Fit(3, [2e-3], LrSchedule.OneCycle);

        var (firstModel, first) = Fresh(averageEpochs);
        using (firstModel)
        using (first)
        {
            first.Add(new StopAfterEpochs(1)); // the run is interrupted after its first epoch
            first.Fit(3, [2e-3], LrSchedule.OneCycle);
            Assert.Single(first.History);
            Checkpoint.Save(first, _folder, best: null);
            if (olderOptimizerFile)
                TorchSharp.PyBridge.PyBridgeOptimizerExtensions.save_py((TorchSharp.Modules.OptimizerHelper)first.Optimizer, Path.Combine(_folder, "optimizer-e1.bin"));
        }

        var (resumedModel, resumed) = Fresh(averageEpochs);
        using (resumedModel)
        using (resumed)
        {
            var state = Checkpoint.Load(resumed, _folder, out _);
            Assert.Equal(1, state.EpochsDone);
            resumed.Fit(3, [2e-3], LrSchedule.OneCycle, startEpoch: state.EpochsDone);
            Assert.Equal(straight.History.Select(r => r.TrainLoss), resumed.History.Select(r => r.TrainLoss));
            Assert.Equal(straight.History.Select(r => r.Metrics["mean_iou"]), resumed.History.Select(r => r.Metrics["mean_iou"]));
            Assert.Equal(straight.Average?.Updates, resumed.Average?.Updates);
        }
    }

    [Theory]
    [InlineData(BoxHeadKind.Lesson)]
    [InlineData(BoxHeadKind.Cells)]
    public void A_saved_model_loads_back_and_predicts_the_same(BoxHeadKind boxHead)
    {
        using var model = fixture.Model(ModelTask.Largest, boxHead: boxHead);
        model.eval();
        Spotter.Models.ModelFile.Save(model, _folder);
        using var loaded = Spotter.Models.ModelFile.Load(_folder);
        {
            Assert.Equal(System.Text.Json.JsonSerializer.Serialize(model.Spec, Spotter.Models.ModelSpec.Json), System.Text.Json.JsonSerializer.Serialize(loaded.Spec, Spotter.Models.ModelSpec.Json));
            Assert.Equal(boxHead, loaded.Spec.LargestHead.BoxHead);
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
        using var model = fixture.Model(ModelTask.Largest);
        var loader = fixture.Loader(8);
        using var learner = new Learner(model, loader, null);
        using var batch = loader.Epoch(0).First();
        for (var i = 0; i < 3; i++)
            Assert.True(double.IsFinite(learner.Step(batch, [1e-3, 1e-3, 1e-3])));
    }
}

/// <summary>Asks the learner to stop once it has done this many epochs, as an interruption would.</summary>
public sealed class StopAfterEpochs(int epochs) : ILearnerCallback
{
    private int _done;

    public void AfterEpoch(Learner learner, EpochRecord record) => _done++;

    public bool StopRequested => _done >= epochs;
}
