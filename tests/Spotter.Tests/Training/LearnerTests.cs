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
    [InlineData(ModelTask.ClassifyLargest, BoxHeadKind.Lesson)]
    [InlineData(ModelTask.LocateLargest, BoxHeadKind.Lesson)]
    [InlineData(ModelTask.Largest, BoxHeadKind.Lesson)]
    [InlineData(ModelTask.LocateLargest, BoxHeadKind.Cells)]
    [InlineData(ModelTask.Largest, BoxHeadKind.Cells)]
    public void Each_task_overfits_one_small_batch(ModelTask task, BoxHeadKind boxHead)
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

    [Theory]
    [InlineData(OptimizerKind.AdamW)]
    [InlineData(OptimizerKind.Sgd)]
    public void A_step_given_a_momentum_sets_it_on_every_group(OptimizerKind optimizer)
    {
        using var model = fixture.Model(ModelTask.Largest);
        var loader = fixture.Loader(8);
        using var learner = new Learner(model, loader, null, new LearnerOptions { Optimizer = optimizer });
        using var batch = loader.Epoch(0).First();

        learner.Step(batch, [1e-4, 1e-4, 1e-4], momentum: 0.88);

        Assert.All(learner.Momenta, m => Assert.Equal(0.88, m, 12));
    }

    [Fact]
    public void A_revised_plan_changes_the_epoch_count_and_the_schedule_still_ends()
    {
        using var model = fixture.Model(ModelTask.Largest);
        var loader = fixture.Loader(8);
        using var learner = new Learner(model, loader, null);
        var rates = new RecordRates();
        learner.Add(rates);
        var asked = new List<int>();

        learner.Fit(6, [1e-3], LrSchedule.OneCycle, revisePlan: done => { asked.Add(done); return done == 1 ? 3 : null; });

        Assert.Equal(3, learner.History.Count);
        Assert.Equal([1, 2, 3], asked);
        // One-cycle over 3 epochs: its last step is at the schedule's floor, not where a 6-epoch plan would be.
        Assert.Equal(1e-3 * Schedules.OneCycle(1), rates.Last, 12);
    }

    [Fact]
    public void Epochs_without_validation_neither_improve_nor_count_against_patience()
    {
        using var model = fixture.Model(ModelTask.Largest);
        using var learner = new Learner(model, fixture.Loader(8), null);
        var folder = Directory.CreateTempSubdirectory("spotter-best-").FullName;
        try
        {
            var saved = 0;
            var best = new BestModelCallback("accuracy", higherIsBetter: true, () => saved++, folder, patience: 2);
            EpochRecord Epoch(int n, double? accuracy) =>
                new(n, "fit", 1, accuracy is { } a ? new Dictionary<string, double> { ["accuracy"] = a } : new Dictionary<string, double>(), 1, 1e-3);

            best.AfterEpoch(learner, Epoch(1, 0.5));
            best.AfterEpoch(learner, Epoch(2, null));
            best.AfterEpoch(learner, Epoch(3, null));
            best.AfterEpoch(learner, Epoch(4, 0.4)); // one validated epoch without improvement; the unvalidated ones do not count
            Assert.False(best.StopRequested);
            Assert.Equal((0.5, 1), (best.Best, saved));
            best.AfterEpoch(learner, Epoch(5, 0.3));
            Assert.True(best.StopRequested);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_fit_validates_only_the_epochs_it_is_told_to()
    {
        using var model = fixture.Model(ModelTask.Largest);
        var loader = fixture.Loader(8);
        using var learner = new Learner(model, loader, loader);

        learner.Fit(4, [1e-3], LrSchedule.OneCycle, validates: (epoch, epochs) => epoch == 1 || epoch == epochs - 1);

        Assert.Equal([false, true, false, true], learner.History.Select(r => r.Validated));
        Assert.All(learner.History.Where(r => !r.Validated), r => Assert.Equal(0, r.ValidationSeconds, 1));
        Assert.Contains("valid_loss", learner.History[^1].Metrics.Keys);
    }

    private sealed class RecordRates : ILearnerCallback
    {
        public double Last { get; private set; }

        public void AfterBatch(Learner learner, BatchProgress progress) => Last = learner.LearningRates[^1];
    }

    [Theory]
    [InlineData(1, 1, 0)] // one faulty backward pass: computed again, the step is taken with finite gradients
    [InlineData(5, 2, 1)] // a fault that persists: two recomputations, then the step is left out
    public void A_NaN_gradient_with_a_finite_loss_is_computed_again_then_left_out(int faultyCalls, int recomputed, int skipped)
    {
        using var model = fixture.Model(ModelTask.Largest);
        var faulty = new LossOnCalls(model, Enumerable.Range(0, faultyCalls).ToArray(), (loss, _) => loss + NaNGradient(model));
        using var learner = new Learner(faulty, fixture.Loader(8), null);
        using var batch = fixture.Loader(8).Epoch(0).First();
        var before = model.parameters().Select(p => p.detach().clone()).ToList();

        var loss = learner.Step(batch, [1e-3, 1e-3, 1e-3]);

        Assert.True(double.IsFinite(loss));
        Assert.Equal((recomputed, skipped), (learner.RecomputedSteps, learner.SkippedSteps));
        Assert.Equal(recomputed + 1, faulty.Calls);
        var after = model.parameters().ToList();
        Assert.All(after, p => Assert.True(p.isfinite().all().item<bool>()));
        var moved = before.Zip(after, (b, a) => !b.equal(a).all().item<bool>()).Any(m => m);
        Assert.Equal(skipped == 0, moved); // a step left out moves no weight
    }

    [Theory]
    [InlineData(new[] { 0 }, 1, 0)] // one absurd gradient after the clean steps: computed again, then taken
    [InlineData(new[] { 0, 1, 2 }, 2, 1)] // absurd three times: left out
    public void A_finite_but_absurd_gradient_is_computed_again_then_left_out(int[] faultyAfterHistory, int recomputed, int skipped)
    {
        using var model = fixture.Model(ModelTask.Largest);
        var faultyCalls = faultyAfterHistory.Select(c => GradientSpikes.MinimumHistory + c).ToArray();
        var faulty = new LossOnCalls(model, faultyCalls, (loss, call) =>
        {
            // Adds nothing to the loss and 1e15, 1e16, ... (another size each call) to one weight's gradient.
            var weight = model.parameters().First();
            return loss + (weight - weight.detach()).sum() * Math.Pow(10, 10 + call);
        });
        var loader = fixture.Loader(8);
        using var learner = new Learner(faulty, loader, null);
        using var batch = loader.Epoch(0).First();
        for (var i = 0; i < GradientSpikes.MinimumHistory; i++) learner.Step(batch, [1e-4, 1e-4, 1e-4]);
        var before = model.parameters().Select(p => p.detach().clone()).ToList();

        learner.Step(batch, [1e-4, 1e-4, 1e-4]);

        Assert.Equal((recomputed, skipped), (learner.RecomputedSteps, learner.SkippedSteps));
        var moved = before.Zip(model.parameters(), (b, a) => !b.equal(a).all().item<bool>()).Any(m => m);
        Assert.Equal(skipped == 0, moved);
    }

    [Fact]
    public void A_large_gradient_that_comes_back_the_same_is_the_batchs_own_and_is_taken()
    {
        using var model = fixture.Model(ModelTask.Largest);
        var spiking = new LossOnCalls(model, [GradientSpikes.MinimumHistory, GradientSpikes.MinimumHistory + 1], (loss, _) => loss * 1000);
        var loader = fixture.Loader(8);
        using var learner = new Learner(spiking, loader, null);
        using var batch = loader.Epoch(0).First();
        for (var i = 0; i < GradientSpikes.MinimumHistory; i++) learner.Step(batch, [1e-4, 1e-4, 1e-4]);

        learner.Step(batch, [1e-4, 1e-4, 1e-4]);

        Assert.Equal((1, 0), (learner.RecomputedSteps, learner.SkippedSteps)); // looked at twice, then taken
        Assert.Equal(GradientSpikes.MinimumHistory + 2, spiking.Calls);
    }

    [Fact]
    public void A_modestly_large_gradient_that_comes_back_at_its_usual_size_was_a_fault_and_the_clean_one_is_taken()
    {
        using var model = fixture.Model(ModelTask.Largest);
        // Three times the guard's factor, once: the size of the bf16 faults that a factor of 100 let through.
        var faulty = new LossOnCalls(model, [GradientSpikes.MinimumHistory], (loss, _) => loss * (3 * GradientSpikes.Factor));
        var loader = fixture.Loader(8);
        using var learner = new Learner(faulty, loader, null);
        using var batch = loader.Epoch(0).First();
        for (var i = 0; i < GradientSpikes.MinimumHistory; i++) learner.Step(batch, [1e-4, 1e-4, 1e-4]);

        learner.Step(batch, [1e-4, 1e-4, 1e-4]);

        Assert.Equal((1, 0), (learner.RecomputedSteps, learner.SkippedSteps));
        Assert.Equal(GradientSpikes.MinimumHistory + 2, faulty.Calls);
    }

    /// <summary>The model's loss, changed by <paramref name="change"/> on the given calls (0-based).</summary>
    private sealed class LossOnCalls(ITrainable inner, int[] calls, Func<Tensor, int, Tensor> change) : ITrainable
    {
        public int Calls { get; private set; }
        public nn.Module<Tensor, Tensor> Module => inner.Module;
        public IReadOnlyList<IReadOnlyList<nn.Module>> LayerGroups => inner.LayerGroups;
        public IMetrics NewMetrics() => inner.NewMetrics();

        public Tensor Loss(Tensor output, Spotter.Data.Loading.Batch batch)
        {
            var call = Calls++;
            var loss = inner.Loss(output, batch);
            return calls.Contains(call) ? change(loss, call) : loss;
        }
    }

    [Fact]
    public void A_clean_step_is_computed_once()
    {
        using var model = fixture.Model(ModelTask.Largest);
        var counted = new LossOnCalls(model, [], (loss, _) => loss);
        using var learner = new Learner(counted, fixture.Loader(8), null);
        using var batch = fixture.Loader(8).Epoch(0).First();

        learner.Step(batch, [1e-3, 1e-3, 1e-3]);

        Assert.Equal(0, learner.RecomputedSteps);
        Assert.Equal(1, counted.Calls);
    }

    [Fact]
    public void A_step_whose_loss_read_a_freed_scalar_is_computed_again()
    {
        using var model = fixture.Model(ModelTask.Largest);
        // What libtorch throws when it reads a scalar freed under it, on the first call only.
        var faulty = new LossOnCalls(model, [0], (_, _) => throw new System.Runtime.InteropServices.ExternalException(
            "Expected false to be true, but got false.\nException raised from toFloat at /pytorch/c10/core/Scalar.h:140 (most recent call first):"));
        using var learner = new Learner(faulty, fixture.Loader(8), null);
        using var batch = fixture.Loader(8).Epoch(0).First();
        var before = model.parameters().Select(p => p.clone()).ToList();

        var loss = learner.Step(batch, [1e-3, 1e-3, 1e-3]);

        Assert.True(double.IsFinite(loss));
        Assert.Equal((2, 1), (faulty.Calls, learner.RecomputedSteps));
        Assert.Contains(model.parameters().Zip(before), p => !p.First.equal(p.Second).all().item<bool>()); // the step was taken
    }

    [Fact]
    public void A_validation_pass_that_read_a_freed_scalar_is_done_again_from_the_start()
    {
        using var model = fixture.Model(ModelTask.Largest);
        var loader = fixture.Loader(8, batch: 4);
        using var clean = new Learner(model, loader, loader);
        var expected = clean.Validate();
        // The second batch of the first pass fails as libtorch does when it reads a freed scalar.
        var faulty = new MetricsFailingOnce(model, failingBatch: 1, new System.Runtime.InteropServices.ExternalException(
            "Unknown scalar type.\nException raised from type at /pytorch/c10/core/Scalar.h:339 (most recent call first):"));
        using var learner = new Learner(faulty, loader, loader);

        var metrics = learner.Validate();

        Assert.Equal(1, learner.RepeatedValidations);
        Assert.Equal(expected, metrics); // the first pass's first batch is not counted twice
        // Any other failure ends validation.
        var broken = new MetricsFailingOnce(model, failingBatch: 0, new InvalidOperationException("a bug"));
        using var other = new Learner(broken, loader, loader);
        Assert.Throws<InvalidOperationException>(() => other.Validate());
    }

    /// <summary>A model whose first validation pass throws <paramref name="error"/> at one batch; later passes are clean.</summary>
    private sealed class MetricsFailingOnce(ITrainable inner, int failingBatch, Exception error) : ITrainable
    {
        private int _passes;
        public nn.Module<Tensor, Tensor> Module => inner.Module;
        public IReadOnlyList<IReadOnlyList<nn.Module>> LayerGroups => inner.LayerGroups;
        public Tensor Loss(Tensor output, Spotter.Data.Loading.Batch batch) => inner.Loss(output, batch);
        public IMetrics NewMetrics() => _passes++ == 0 ? new Failing(inner.NewMetrics(), failingBatch, error) : inner.NewMetrics();

        private sealed class Failing(IMetrics metrics, int failingBatch, Exception error) : IMetrics
        {
            private int _batches;
            public (string Name, bool HigherIsBetter) Primary => metrics.Primary;
            public IReadOnlyDictionary<string, double> Result() => metrics.Result();

            public void Add(Tensor output, Spotter.Data.Loading.Batch batch)
            {
                if (_batches++ == failingBatch) throw error;
                metrics.Add(output, batch);
            }
        }
    }

    /// <summary>
    /// A term whose value is 0 but whose gradient is NaN (the square root of a negative number
    /// behind a where that never picks it): what a faulty backward kernel does.
    /// </summary>
    private static Tensor NaNGradient(nn.Module model)
    {
        var weight = model.parameters().First();
        return where(ones_like(weight, dtype: ScalarType.Bool), zeros_like(weight), sqrt(-(weight.abs() + 1))).sum();
    }

    [Fact]
    public void Freezing_changes_exactly_the_trainable_parameter_set()
    {
        using var model = fixture.Model(ModelTask.Largest);
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
        using var model = fixture.Model(ModelTask.Largest);
        var loader = fixture.Loader(16, augment: true);
        using var learner = new Learner(model, loader, null);
        learner.Freeze();
        var bodyBefore = model.Body.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        learner.Fit(1, [1e-2], LrSchedule.OneCycle);
        foreach (var (key, value) in model.Body.state_dict())
            Assert.True(value.equal(bodyBefore[key]).all().item<bool>(), $"{key} changed while frozen");
    }

    [Theory]
    [InlineData(FrozenNorm.Body)]
    [InlineData(FrozenNorm.All)]
    public void Frozen_norms_keep_their_statistics_while_their_layers_learn(FrozenNorm frozen)
    {
        torch.manual_seed(1); // the same start whatever ran before
        using var model = fixture.Model(ModelTask.Largest);
        var loader = fixture.Loader(16, augment: true);
        using var learner = new Learner(model, loader, null, new LearnerOptions { FrozenNorm = frozen });
        learner.Unfreeze();
        static Dictionary<string, Tensor> Snapshot(IEnumerable<(string name, Tensor tensor)> named) => named.ToDictionary(n => n.name, n => n.tensor.clone());
        var buffers = Snapshot(model.named_buffers());
        var weights = Snapshot(model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)));
        var head = model.LayerGroups[^1].SelectMany(m => m.buffers().Select(b => b.Handle)).ToHashSet();
        Assert.Contains(model.named_buffers(), b => head.Contains(b.buffer.Handle));
        Assert.Contains(model.named_buffers(), b => !head.Contains(b.buffer.Handle));

        learner.Fit(1, [1e-2], LrSchedule.Constant);

        foreach (var (name, buffer) in model.named_buffers())
        {
            var moved = !buffer.equal(buffers[name]).all().item<bool>();
            var kept = frozen == FrozenNorm.All || !head.Contains(buffer.Handle);
            Assert.True(moved != kept, $"{name}: {(moved ? "moved" : "kept")} with --frozen-norm {frozen.Name()}");
        }
        Assert.All(model.named_parameters(), p => Assert.False(p.parameter.equal(weights[p.name]).all().item<bool>(), $"{p.name} did not learn"));
    }

    [Fact]
    public void The_lr_finder_stops_when_the_loss_explodes_and_restores_the_weights()
    {
        using var model = fixture.Model(ModelTask.ClassifyLargest);
        var loader = fixture.Loader(16, augment: true, batch: 4);
        using var learner = new Learner(model, loader, null);
        var before = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var result = LrFinder.Run(learner, start: 1e-5, end: 1e4, iterations: 200);
        Assert.True(result.LearningRates.Count < 200, "stopped before the end of the sweep");
        Assert.True(result.SmoothedLosses[^1] > 4 * result.SmoothedLosses.Min() || double.IsNaN(result.Losses[^1]));
        // The suggestion is never past the loss minimum: at most the rate where the smoothed loss is lowest.
        var lowest = result.LearningRates[Enumerable.Range(0, result.SmoothedLosses.Count).MinBy(i => result.SmoothedLosses[i])];
        Assert.True(result.Suggested > 0 && result.Suggested <= lowest, $"suggested {result.Suggested}, lowest loss at {lowest}");
        foreach (var (key, value) in model.state_dict())
            Assert.True(value.equal(before[key]).all().item<bool>(), $"{key} not restored");
    }

    [Fact]
    public void The_suggestion_is_the_rate_at_the_lowest_smoothed_loss_and_the_smoothing_does_not_lag()
    {
        // A 30-batch sweep (what a small training set gets) from 1e-7 to 10: the loss falls until
        // 1e-2, then climbs. A running average with beta 0.98 would still be falling at 10.
        var lrs = Enumerable.Range(0, 30).Select(i => 1e-7 * Math.Pow(1e8, i / 29.0)).ToList();
        var losses = lrs.Select(lr => Math.Abs(Math.Log10(lr) + 2) + 1).ToList();
        var smoothed = LrFinder.CentredAverage(losses);
        var lowest = LrFinder.Suggest(lrs, smoothed);
        Assert.InRange(lowest, 1e-2 / 2, 1e-2 * 2);
        // A noisy low batch in the first tenth of the sweep is not taken for the minimum.
        var early = losses.Select((l, i) => i == 1 ? -100 : l).ToList();
        Assert.Equal(lowest, LrFinder.Suggest(lrs, LrFinder.CentredAverage(early)), 1e-12);
        // A NaN (the batch that ended the sweep) never counts as the lowest.
        var broken = losses.Append(double.NaN).ToList();
        Assert.Equal(lowest, LrFinder.Suggest([.. lrs, 20], LrFinder.CentredAverage(broken)), 1e-12);
    }

    [Fact]
    public void Bf16_training_learns_while_the_weights_optimiser_and_batch_norm_statistics_stay_fp32()
    {
        torch.manual_seed(1);
        using var model = fixture.Model(ModelTask.LocateLargest);
        var loader = fixture.Loader(count: 8);
        using var learner = new Learner(model, loader, loader, new LearnerOptions
        {
            WeightDecay = 0, CreateBf16Shadow = () => fixture.Model(ModelTask.LocateLargest),
        });
        var norm = model.modules().OfType<TorchSharp.Modules.BatchNorm2d>().First();
        var statistics = norm.running_mean!.clone();
        var before = learner.Validate()["valid_loss"];
        learner.Fit(60, [3e-3], LrSchedule.Constant);
        var after = learner.Validate()["valid_loss"];
        Assert.True(after < before / 5, $"bf16: loss {before:F3} -> {after:F3}");
        Assert.All(model.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        Assert.Equal(ScalarType.Float32, norm.running_mean!.dtype);
        Assert.False(norm.running_mean.equal(statistics).all().item<bool>(), "the shadow's batch-norm statistics come back to the model");

        // Validation scores the fp32 model as it is saved and used, not the bf16 shadow.
        using var plain = new Learner(model, loader, loader, new LearnerOptions { WeightDecay = 0 });
        Assert.Equal(plain.Validate()["valid_loss"], after);
    }
}
