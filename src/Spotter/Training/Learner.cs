using System.Diagnostics;
using Spotter.Data.Loading;
using Spotter.Models.Backbones;
using Spotter.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Spotter.Training;

/// <summary>
/// A small, explicit training loop in the fastai style: layer groups that can be frozen
/// (frozen BatchNorm layers stay in eval mode) with one learning rate each, schedules applied per
/// step, AdamW or SGD, gradient clipping, validation metrics each epoch, and callbacks for the
/// named events. Every random choice is seeded by (seed, epoch), so a run repeats exactly.
/// </summary>
public sealed class Learner : IDisposable
{
    private readonly ITrainable _model;
    private readonly BatchLoader _train;
    private readonly BatchLoader? _valid;
    private readonly LearnerOptions _options;
    private readonly int _seed;
    private readonly List<ILearnerCallback> _callbacks = [];
    private optim.Optimizer _optimizer;
    private readonly Bf16Shadow? _shadow;
    private readonly WeightAverage? _average;
    private readonly GradientSpikes _spikes = new();
    private double _lossAverage;
    private long _lossSteps;

    public Learner(ITrainable model, BatchLoader train, BatchLoader? valid, LearnerOptions? options = null, int seed = 0)
    {
        _model = model;
        _train = train;
        _valid = valid;
        _options = options ?? new LearnerOptions();
        _seed = seed;
        _model.Module.to(_options.Device);
        _optimizer = CreateOptimizer();
        Backbone.SetChannelsLast(_model.Module, _options.ChannelsLast);
        if (_options.CreateBf16Shadow is { } create)
        {
            var shadow = create();
            Backbone.SetChannelsLast(shadow, _options.ChannelsLast);
            _shadow = new Bf16Shadow(_model.Module, shadow, _options.Device);
        }
        if (_options.AverageEpochs > 0)
            _average = new WeightAverage(_model.Module, WeightAverage.DecayForEpochs(_options.AverageEpochs, _train.BatchCount));
    }

    public ITrainable Model => _model;
    public BatchLoader TrainData => _train;
    public BatchLoader? ValidData => _valid;
    public Device Device => _options.Device;
    public List<EpochRecord> History { get; } = [];
    public int GroupCount => _model.LayerGroups.Count;

    /// <summary>The moving average of the weights that validation and the saved model use (null: the weights themselves).</summary>
    public WeightAverage? Average => _average;

    /// <summary>
    /// Runs <paramref name="action"/> with the weights that validation sees in the model: the
    /// moving average when there is one (the model's own weights are put back after it).
    /// </summary>
    public T WithEvaluationWeights<T>(Func<T> action) => _average is null ? action() : _average.WithAverageIn(action);

    /// <summary>How many leading layer groups are frozen (0: all train).</summary>
    public int FrozenGroups { get; private set; }

    public void Add(ILearnerCallback callback) => _callbacks.Add(callback);

    /// <summary>Trains only the head.</summary>
    public void Freeze() => FreezeTo(GroupCount - 1);

    /// <summary>Trains everything.</summary>
    public void Unfreeze() => FreezeTo(0);

    /// <summary>Freezes the first <paramref name="groups"/> layer groups (fastai's freeze_to).</summary>
    public void FreezeTo(int groups)
    {
        FrozenGroups = Math.Clamp(groups, 0, GroupCount - 1);
        for (var g = 0; g < GroupCount; g++)
            foreach (var module in _model.LayerGroups[g])
                foreach (var parameter in module.parameters())
                    parameter.requires_grad = g >= FrozenGroups;
    }

    /// <summary>
    /// Trains for <paramref name="epochs"/> epochs with each group's maximum learning rate shaped
    /// by the schedule; <paramref name="startEpoch"/> skips epochs already done (resuming).
    /// </summary>
    /// <param name="revisePlan">
    /// Called after each epoch with the number of this fit's epochs finished; a number it returns
    /// becomes the fit's epoch count from then on (at least the epochs done), and the schedule
    /// is stretched or shrunk to it (a time budget re-planned from measured epochs).
    /// </param>
    /// <param name="closeMosaic">The fit's last epochs (<see cref="Mosaic.ClosingEpochs"/>) train without mosaics, on views like the ones the model will see.</param>
    /// <param name="validates">
    /// Given an epoch of this fit (0-based) and the fit's epoch count, whether it ends with a
    /// validation pass (<see cref="ValidationSchedule"/>); an epoch without one has no metrics.
    /// Null: every epoch.
    /// </param>
    public IReadOnlyList<EpochRecord> Fit(int epochs, IReadOnlyList<double> maxLearningRates, LrSchedule schedule, string phase = "fit", int startEpoch = 0,
        Func<int, int?>? revisePlan = null, bool closeMosaic = false, Func<int, int, bool>? validates = null)
    {
        var lrs = ExpandLearningRates(maxLearningRates);
        var totalSteps = (long)epochs * _train.BatchCount;
        var records = new List<EpochRecord>();
        foreach (var c in _callbacks) c.BeginFit(this);
        for (var e = startEpoch; e < epochs; e++)
        {
            var epoch = History.Count;
            foreach (var c in _callbacks) c.BeginEpoch(this, epoch);
            var clock = Stopwatch.StartNew();
            torch.manual_seed(Seeds.Mix(_seed, epoch, 7));
            var mosaic = !closeMosaic || e < epochs - Mosaic.ClosingEpochs(epochs);
            var (trainLoss, headLr) = TrainEpoch(epoch, e, totalSteps, lrs, schedule, mosaic);
            if (!double.IsFinite(trainLoss))
                throw new SpotterException($"training diverged: the loss became {trainLoss} in epoch {epoch + 1}; try a lower --lr (the head's peak rate was {headLr:0.###e+0})");
            var validating = Stopwatch.StartNew();
            var metrics = (validates?.Invoke(e, epochs) ?? true) ? Validate() : new Dictionary<string, double>();
            var record = new EpochRecord(epoch + 1, phase, trainLoss, metrics, clock.Elapsed.TotalSeconds, headLr, validating.Elapsed.TotalSeconds);
            History.Add(record);
            records.Add(record);
            foreach (var c in _callbacks) c.AfterEpoch(this, record);
            if (_callbacks.Any(c => c.StopRequested)) break;
            if (revisePlan?.Invoke(e + 1) is { } revised)
            {
                epochs = Math.Max(e + 1, revised);
                totalSteps = (long)epochs * _train.BatchCount;
            }
        }
        foreach (var c in _callbacks) c.AfterFit(this);
        return records;
    }

    private (double Loss, double HeadLr) TrainEpoch(int epoch, int epochInFit, long totalSteps, double[] lrs, LrSchedule schedule, bool mosaic)
    {
        SetTrainingMode();
        double lossSum = 0;
        var headLr = lrs[^1]; // the phase's peak rate for the head, whatever the schedule's position
        var batches = 0;
        foreach (var batch in _train.Epoch(epoch, mosaic))
        {
            using (batch)
            {
                _options.Cancellation.ThrowIfCancellationRequested();
                var step = (long)epochInFit * _train.BatchCount + batches;
                var factor = schedule.Factor(step, totalSteps, _train.BatchCount);
                var loss = Step(batch, lrs.Select(lr => lr * factor).ToArray(), schedule.Momentum(step, totalSteps));
                _average?.Update(); // training steps only: the LR finder's and the step timer's are not averaged
                lossSum += loss;
                batches++;
                var progress = new BatchProgress(epoch + 1, batches, _train.BatchCount, Smooth(loss));
                foreach (var c in _callbacks) c.AfterBatch(this, progress);
            }
        }
        return (lossSum / Math.Max(1, batches), headLr);
    }

    // Exponential moving average of the training loss over the whole run, bias-corrected.
    private double Smooth(double loss)
    {
        const double beta = 0.95;
        _lossAverage = beta * _lossAverage + (1 - beta) * loss;
        _lossSteps++;
        return _lossAverage / (1 - Math.Pow(beta, _lossSteps));
    }

    /// <summary>
    /// One optimisation step on a batch with the given learning rate per group and, when given, the
    /// momentum (SGD's momentum, Adam's beta1) for every group; returns the loss.
    /// </summary>
    public double Step(Batch batch, IReadOnlyList<double> learningRates, double? momentum = null)
    {
        using var scope = NewDisposeScope();
        batch.MoveTo(Device);
        var groups = _optimizer.ParamGroups.ToList();
        for (var g = 0; g < groups.Count; g++)
        {
            groups[g].LearningRate = learningRates[g];
            if (momentum is { } m) SetMomentum(groups[g], m);
        }
        var loss = GuardedForwardBackward(batch);
        var norm = GradientNorm();
        for (var again = 0; float.IsFinite(loss) && _spikes.IsSuspect(norm); again++)
        {
            if (again == MaxRecomputations)
            {
                SkippedSteps++; // the weights and the optimiser's state stay as they were
                return loss;
            }
            RecomputedSteps++;
            loss = GuardedForwardBackward(batch);
            var first = norm;
            norm = GradientNorm();
            if (GradientSpikes.Repeats(first, norm) && !_spikes.IsFault(norm)) break; // the same size twice: the batch's own gradient
        }
        _spikes.Accept(norm);
        if (_options.GradientClipNorm > 0)
            nn.utils.clip_grad_norm_(_model.Module.parameters().Where(p => p.requires_grad), _options.GradientClipNorm);
        _optimizer.step();
        return loss;
    }

    /// <summary>
    /// A finite loss with a NaN, infinite or absurdly large gradient is a backend fault, not
    /// divergence: libtorch's oneDNN backward convolutions return such gradients now and then on AMD
    /// Zen 5, and one such step would poison the weights or AdamW's state for good
    /// (<see cref="GradientSpikes"/>). The step is computed again (batch-norm statistics then see
    /// its batch twice), and after two faulty recomputations it is skipped; a diverging model has a
    /// non-finite loss and is left to the divergence check.
    /// </summary>
    private const int MaxRecomputations = 2;

    /// <summary>Steps computed again because a gradient came back not finite, or far larger than the steps before, with a finite loss.</summary>
    public int RecomputedSteps { get; private set; }

    /// <summary>Steps left out because their gradient was still faulty after the recomputations.</summary>
    public int SkippedSteps { get; private set; }

    /// <summary>
    /// A step that read a freed scalar (<see cref="Scalars.RepeatedOnFreed"/>) failed before the
    /// weights and the optimiser's state moved, and is computed again (gradients zeroed again).
    /// Seen in the last epoch of a 20-minute bccd run, which it ended.
    /// </summary>
    private float GuardedForwardBackward(Batch batch) => Scalars.RepeatedOnFreed(() => ForwardBackward(batch).item<float>(), () => RecomputedSteps++);

    private Tensor ForwardBackward(Batch batch)
    {
        _optimizer.zero_grad();
        var loss = _model.Loss(Forward(batch.Images), batch);
        loss.backward();
        _shadow?.Return(); // bf16: the gradients and batch-norm statistics into the fp32 model
        return loss;
    }

    /// <summary>The global norm of the gradients, NaN or infinite when any is not finite (one host read).</summary>
    private double GradientNorm()
    {
        using var scope = NewDisposeScope();
        var norms = _model.Module.parameters().Select(p => p.grad).OfType<Tensor>().Select(g => g.norm().to(float64)).ToList();
        return norms.Count == 0 ? 0 : stack(norms).square().sum().sqrt().item<double>();
    }

    /// <summary>
    /// Seconds per training step as the layers are now frozen: whole steps (forward, backward,
    /// optimiser) on training batches at a learning rate of 0, timed after one untimed step. The
    /// weights do not move; the optimiser's state does, so reset it before training on
    /// (<see cref="ResetOptimizer"/>); batch-norm statistics see the batches, as in training.
    /// </summary>
    public double MeasureStepSeconds(int steps = 3)
    {
        SetTrainingMode();
        var zero = new double[GroupCount];
        var clock = new Stopwatch();
        var done = -1;
        foreach (var batch in _train.Epoch(-1))
        {
            using (batch)
            {
                if (done == 0) clock.Start();
                Step(batch, zero);
            }
            if (++done == steps) break;
        }
        return done <= 0 ? 0 : clock.Elapsed.TotalSeconds / done;
    }

    /// <summary>The validation metrics (empty without validation data), of the averaged weights when they are kept.</summary>
    public IReadOnlyDictionary<string, double> Validate()
    {
        if (_valid is not { } valid) return new Dictionary<string, double>();
        // A pass that read a freed scalar is done again from the start, with fresh metrics
        // (seen in the validation loss after a raccoon run's first epoch, which it ended).
        return WithEvaluationWeights(() => Scalars.RepeatedOnFreed(() => ValidateWeightsInModel(valid), () => RepeatedValidations++));
    }

    /// <summary>Validation passes done again because libtorch read a freed scalar (<see cref="Scalars.RepeatedOnFreed"/>).</summary>
    public int RepeatedValidations { get; private set; }

    private IReadOnlyDictionary<string, double> ValidateWeightsInModel(BatchLoader valid)
    {
        _model.Module.eval();
        using var _ = no_grad();
        var metrics = _model.NewMetrics();
        foreach (var batch in valid.Epoch(0))
        {
            using (batch)
            using (var scope = NewDisposeScope())
            {
                batch.MoveTo(Device);
                // The fp32 model, not the bf16 shadow: validation scores the model as it is saved and
                // used (eval, detect, ONNX compute in fp32), and picks the best epoch on that. A network
                // trained in bf16 answers differently in exact arithmetic (README, "bf16 training is validated in fp32").
                metrics.Add(_model.Module.forward(batch.Images), batch);
            }
        }
        return metrics.Result();
    }

    /// <summary>The model's output for a training step; with a bf16 shadow, computed by it and returned in fp32.</summary>
    private Tensor Forward(Tensor images) => _shadow is null ? _model.Module.forward(images) : _shadow.Prepare().forward(images).to(float32);

    /// <summary>
    /// Train mode, except BatchNorm layers that keep their statistics: those of frozen groups, and
    /// those that <see cref="LearnerOptions.FrozenNorm"/> names.
    /// </summary>
    public void SetTrainingMode()
    {
        _model.Module.train();
        var keepStatistics = _options.FrozenNorm switch
        {
            FrozenNorm.All => GroupCount,
            FrozenNorm.Body => GroupCount - 1, // frozen groups are never the head's, so this covers them
            _ => FrozenGroups,
        };
        for (var g = 0; g < keepStatistics; g++)
            foreach (var module in _model.LayerGroups[g])
                foreach (var norm in module.modules().Prepend(module).Where(m => m is BatchNorm1d or BatchNorm2d))
                    norm.eval(); // modules() lists descendants only, hence the Prepend
    }

    /// <summary>Fresh optimiser state (after the LR finder, or to start a new phase cleanly).</summary>
    public void ResetOptimizer()
    {
        _optimizer.Dispose();
        _optimizer = CreateOptimizer();
    }

    internal optim.Optimizer Optimizer => _optimizer;

    /// <summary>Each parameter group's learning rate now (set by the schedule at every step).</summary>
    public IReadOnlyList<double> LearningRates => _optimizer.ParamGroups.Select(g => g.LearningRate).ToList();

    /// <summary>Each parameter group's momentum now (Adam's beta1, SGD's momentum).</summary>
    public IReadOnlyList<double> Momenta => _optimizer.ParamGroups.Select(g => g switch
    {
        optim.IBetas adam => adam.Betas.Item1,
        optim.IMomentum sgd => sgd.Momentum,
        _ => double.NaN,
    }).ToList();

    private static void SetMomentum(optim.ILearningRateController group, double momentum)
    {
        switch (group)
        {
            case optim.IBetas adam:
                adam.Betas = (momentum, adam.Betas.Item2);
                break;
            case optim.IMomentum sgd:
                sgd.Momentum = momentum;
                break;
        }
    }

    private double[] ExpandLearningRates(IReadOnlyList<double> lrs)
    {
        if (lrs.Count == GroupCount) return lrs.ToArray();
        if (lrs.Count == 1) return Enumerable.Repeat(lrs[0], GroupCount).ToArray();
        throw new ArgumentException($"give one learning rate or one per layer group ({GroupCount})");
    }

    private optim.Optimizer CreateOptimizer()
    {
        var groups = _model.LayerGroups.Select(g => g.SelectMany(m => m.parameters()).ToList()).ToList();
        return _options.Optimizer switch
        {
            OptimizerKind.Sgd => optim.SGD(groups.Select(p => new SGD.ParamGroup(p, new SGD.Options { LearningRate = 1e-3, momentum = _options.Momentum, weight_decay = _options.WeightDecay })), 1e-3, _options.Momentum),
            _ => optim.AdamW(groups.Select(p => new AdamW.ParamGroup(p, new AdamW.Options { LearningRate = 1e-3, weight_decay = _options.WeightDecay })), 1e-3),
        };
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _shadow?.Dispose();
        _average?.Dispose();
    }
}
