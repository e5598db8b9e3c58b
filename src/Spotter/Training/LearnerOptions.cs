using static TorchSharp.torch;

namespace Spotter.Training;

/// <summary>Optimiser and loop settings.</summary>
public sealed record LearnerOptions
{
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.AdamW;
    public double WeightDecay { get; init; } = 1e-2;
    public double Momentum { get; init; } = 0.9;

    /// <summary>Clip the gradients' global norm to this value; 0 turns clipping off.</summary>
    public double GradientClipNorm { get; init; }

    public Device Device { get; init; } = CPU;

    /// <summary>Checked before every batch: a cancelled run stops there, keeping the last epoch's checkpoint.</summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>
    /// Set for bf16 training: makes a second model of the same architecture, which becomes the bf16
    /// shadow that computes forward and backward (<see cref="Bf16Shadow"/>); null trains in fp32.
    /// </summary>
    public Func<nn.Module<Tensor, Tensor>>? CreateBf16Shadow { get; init; }

    /// <summary>
    /// Keep an exponential moving average of the weights over about this many epochs' steps, and
    /// validate it instead of the weights (<see cref="WeightAverage"/>); 0: no average.
    /// </summary>
    public double AverageEpochs { get; init; }

    /// <summary>Batch norms that keep their statistics while training (<see cref="Training.FrozenNorm"/>).</summary>
    public FrozenNorm FrozenNorm { get; init; }

    /// <summary>Compute in channels-last order (<see cref="Runtime.TrainingKernels"/> says when).</summary>
    public bool ChannelsLast { get; init; }
}
