using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using TorchSharp;

namespace Spotter.Runtime;

/// <summary>
/// Rooted TorchSharp scalars for the prediction path. In TorchSharp 0.107 a <see cref="Scalar"/>
/// made implicitly (<c>boxes / 2</c>) is referenced by nothing while libtorch uses it, and it has
/// a finalizer: a garbage collection on another thread can free it in the middle of the call. We
/// saw that once ("toLong ... Expected false to be true" in box decoding during an evaluation while
/// other processes loaded the machine). The scalars here are cached and never freed, so the code
/// that runs under concurrent load (inference, decoding, NMS) passes these instead.
/// </summary>
public static class Scalars
{
    private static readonly ConcurrentDictionary<double, Scalar> Reals = new();
    private static readonly ConcurrentDictionary<long, Scalar> Integers = new();

    /// <summary>A floating-point scalar (keeps a float tensor's type).</summary>
    public static Scalar Of(double value) => Reals.GetOrAdd(value, v => v.ToScalar());

    /// <summary>An integer scalar (keeps an integer tensor's type).</summary>
    public static Scalar Of(long value) => Integers.GetOrAdd(value, v => v.ToScalar());

    /// <summary>How many times <see cref="RepeatedOnFreed"/> computes again before the failure stands.</summary>
    public const int MaxRepeats = 2;

    /// <summary>
    /// <paramref name="compute"/>'s result, computed again (at most <see cref="MaxRepeats"/> times,
    /// each told to <paramref name="onRepeat"/>) when libtorch read a scalar that was already freed.
    /// The cached scalars above cover Spotter's own expressions, but TorchSharp makes implicit ones
    /// inside its own calls too (the 1 in <c>a + b</c>), so the finalizer thread can still free one
    /// while libtorch reads it; the call then fails in c10/core/Scalar.h ("Expected false to be true",
    /// "Unknown scalar type"). For callers whose work can start over with nothing changed: a training
    /// step before the optimiser moves, a validation pass with fresh metrics, a prediction.
    /// </summary>
    public static T RepeatedOnFreed<T>(Func<T> compute, Action? onRepeat = null)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return compute();
            }
            catch (ExternalException e) when (attempt < MaxRepeats && IsFreed(e))
            {
                onRepeat?.Invoke();
            }
        }
    }

    /// <summary>Whether libtorch failed converting a scalar (the sign of one freed during the call).</summary>
    public static bool IsFreed(Exception e) => e.Message.Contains("c10/core/Scalar.h", StringComparison.Ordinal);
}
