using Spotter.Models.Largest;
using Spotter.Training;
using static TorchSharp.torch;

namespace Spotter.Tests.Training;

[CollectionDefinition(nameof(SerialCollection), DisableParallelization = true)]
public sealed class SerialCollection;

/// <summary>
/// Counts every live tensor in the process (batches are built on a background thread), so it
/// runs alone, after the parallel tests.
/// </summary>
[Collection(nameof(SerialCollection))]
public sealed class MemoryTests : IDisposable
{
    private readonly TrainingFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public void Live_tensors_stay_flat_over_many_training_steps_and_validations()
    {
        using var model = _fixture.Model(ModelTask.Largest);
        var loader = _fixture.Loader(16, augment: true, batch: 8);
        using var learner = new Learner(model, loader, loader);
        learner.Fit(2, [1e-3], LrSchedule.OneCycle); // warm up: optimiser state, image cache
        var live = SettledTensorCount();
        learner.Fit(15, [1e-3], LrSchedule.OneCycle); // 30 training steps, 15 validation passes
        // A leak grows the count by at least one tensor per step (30+). It may shrink: tensors that
        // earlier tests abandoned are freed by the GC's finalizers meanwhile.
        Assert.InRange(SettledTensorCount(), 0, live);
    }

    private static long SettledTensorCount()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return Tensor.TotalCount;
    }
}
