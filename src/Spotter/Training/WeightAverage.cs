using static TorchSharp.torch;

namespace Spotter.Training;

/// <summary>
/// An exponential moving average of a model's weights and batch-norm statistics (EMA), updated
/// after each optimiser step: average = d * average + (1 - d) * weights. The average of the last
/// steps is a smoother model than the last step's weights, which is what validation and the saved
/// model use. The decay d ramps up as min(<see cref="Decay"/>, (1 + t) / (10 + t)) after t updates,
/// so the first steps (and the head's random start) are forgotten quickly. Integer buffers (batch
/// norm's step counters) are not averaged; the model's own are kept.
/// </summary>
public sealed class WeightAverage : IDisposable
{
    private readonly List<(Tensor Live, Tensor Average, Tensor Stash)> _entries;
    private bool _swappedIn;

    /// <param name="module">The model; its parameters and buffers are read and written in place.</param>
    /// <param name="decay">The largest per-step decay, in [0, 1).</param>
    public WeightAverage(nn.Module module, double decay)
    {
        if (decay is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(decay), decay, "the decay must be in [0, 1)");
        Decay = decay;
        using var _ = no_grad();
        _entries = module.state_dict().Values.Where(t => t.is_floating_point())
            .Select(live => (live, live.detach().clone(), live.detach().clone())).ToList();
    }

    /// <summary>The per-step decay once the ramp has reached it.</summary>
    public double Decay { get; }

    /// <summary>Updates so far (the ramp's position); a checkpoint keeps it.</summary>
    public long Updates { get; private set; }

    /// <summary>The decay of the next update.</summary>
    public double NextDecay => Math.Min(Decay, (1.0 + Updates) / (10.0 + Updates));

    /// <summary>The decay that averages over about <paramref name="epochs"/> epochs of <paramref name="stepsPerEpoch"/> steps.</summary>
    public static double DecayForEpochs(double epochs, int stepsPerEpoch) => 1 - 1 / Math.Max(1, epochs * stepsPerEpoch);

    /// <summary>Moves the average one step towards the model's current weights.</summary>
    public void Update()
    {
        if (_swappedIn) throw new InvalidOperationException("the averaged weights are in the model; update after they are swapped out");
        var step = 1 - NextDecay;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var (live, average, _) in _entries) average.lerp_(live, step); // average += step * (live - average)
        Updates++;
    }

    /// <summary>Starts the average again from the model's current weights (a checkpoint that has none).</summary>
    public void Restart(long updates = 0)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var (live, average, _) in _entries) average.copy_(live);
        Updates = updates;
    }

    /// <summary>
    /// Runs <paramref name="action"/> with the averaged weights in the model and puts the model's
    /// own weights back afterwards, bit for bit.
    /// </summary>
    public T WithAverageIn<T>(Func<T> action)
    {
        if (_swappedIn) return action();
        using (NewDisposeScope())
        using (no_grad())
            foreach (var (live, average, stash) in _entries)
            {
                stash.copy_(live);
                live.copy_(average);
            }
        _swappedIn = true;
        try
        {
            return action();
        }
        finally
        {
            using (NewDisposeScope())
            using (no_grad())
                foreach (var (live, _, stash) in _entries) live.copy_(stash);
            _swappedIn = false;
        }
    }

    public void Dispose()
    {
        foreach (var (_, average, stash) in _entries)
        {
            average.Dispose();
            stash.Dispose();
        }
    }
}
