using System.Collections.Concurrent;
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
}
