using System.Runtime.InteropServices;
using Spotter.Runtime;

namespace Spotter.Tests.Runtime;

public sealed class ScalarsTests
{
    private static ExternalException FreedScalar() =>
        new("Unknown scalar type.\nException raised from type at /pytorch/c10/core/Scalar.h:339 (most recent call first):");

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    public void Work_that_read_a_freed_scalar_is_done_again_up_to_twice(int failures, int repeats)
    {
        var calls = 0;
        var told = 0;

        var result = Scalars.RepeatedOnFreed(() => ++calls <= failures ? throw FreedScalar() : calls, () => told++);

        Assert.Equal((failures + 1, repeats), (result, told));
    }

    [Fact]
    public void A_third_freed_scalar_and_any_other_native_failure_propagate()
    {
        var calls = 0;
        Assert.Throws<ExternalException>(() => Scalars.RepeatedOnFreed<int>(() => { calls++; throw FreedScalar(); }));
        Assert.Equal(1 + Scalars.MaxRepeats, calls);

        calls = 0;
        var other = Assert.Throws<ExternalException>(() => Scalars.RepeatedOnFreed<int>(() => { calls++; throw new ExternalException("shape '[2, 3]' is invalid for input of size 5"); }));
        Assert.Equal(1, calls);
        Assert.Contains("shape", other.Message);
    }
}
