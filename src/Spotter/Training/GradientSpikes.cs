namespace Spotter.Training;

/// <summary>
/// Tells a faulty backward pass from a real one by the size of its gradient. On AMD Zen 5,
/// libtorch's bf16 backward kernels now and then return gradients that are finite but absurd
/// (norms of 1e6 to 1e38 where the steps around them have 2 to 5; README, "AMD Zen 5"). Such a
/// gradient passes the finite check and, under AdamW, leaves the parameters it hit with a second
/// moment so large that they barely move for the rest of the run. A gradient is suspect when it
/// is more than <see cref="Factor"/> times the median of the last accepted steps' norms: the step
/// is computed again, and a real spike (a rare batch) comes back about the same size. Beyond
/// <see cref="FaultFactor"/> times the median, or not finite, it is a fault even when it comes back:
/// some faults repeat on the same batch. The history runs across phases: unfreezing the body
/// raises the norm by a few times at most. Faults also come in modest sizes: at 10x, raccoon's
/// bf16 steps (<c>gradient-watch</c>) gave suspects of 15x to 37x that came back at 1x when
/// computed again, which a factor of 100 let through into AdamW's state; a real step above 10x
/// only costs one recomputation.
/// </summary>
public sealed class GradientSpikes
{
    /// <summary>How far above the recent median a norm must be to be suspect. Of 171 raccoon steps suspect at 10x (gradient-watch and two 15-minute runs), none came back the same size: all were faults.</summary>
    public const double Factor = 10;

    /// <summary>How far above the recent median a norm is a fault whether it repeats or not.</summary>
    public const double FaultFactor = 1e4;

    /// <summary>Accepted steps the median is taken over.</summary>
    public const int Window = 20;

    /// <summary>Accepted steps needed before size alone makes a gradient suspect.</summary>
    public const int MinimumHistory = 5;

    private readonly Queue<double> _recent = new();

    /// <summary>Whether a step's global gradient norm looks like a fault.</summary>
    public bool IsSuspect(double norm) => !double.IsFinite(norm) || (_recent.Count >= MinimumHistory && norm > Factor * Median());

    /// <summary>Whether a step's global gradient norm is a fault even if it repeats.</summary>
    public bool IsFault(double norm) => !double.IsFinite(norm) || (_recent.Count >= MinimumHistory && norm > FaultFactor * Median());

    /// <summary>Whether a recomputed suspect step came back as it was: a real gradient, not a fault (dropout's new masks move it a little).</summary>
    public static bool Repeats(double first, double again) => double.IsFinite(first) && double.IsFinite(again) && again <= first * 1.5 && again >= first / 1.5;

    /// <summary>Records the norm of a step that was taken.</summary>
    public void Accept(double norm)
    {
        if (!double.IsFinite(norm)) return;
        _recent.Enqueue(norm);
        if (_recent.Count > Window) _recent.Dequeue();
    }

    private double Median()
    {
        var sorted = _recent.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
