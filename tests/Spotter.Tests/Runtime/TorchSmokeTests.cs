using Spotter.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Spotter.Tests.Runtime;

/// <summary>Proves libtorch loads in the test host (on Debian 12 only thanks to the build's native fix).</summary>
public sealed class TorchSmokeTests
{
    public TorchSmokeTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void Reports_libtorch_2_10()
    {
        Assert.Equal("2.10.0", TorchRuntime.LibTorchVersion);
    }

    [Fact]
    public void Tensor_arithmetic_works()
    {
        using var scope = NewDisposeScope();
        var a = tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 2);
        var product = a.matmul(a);
        Assert.Equal(new float[] { 7, 10, 15, 22 }, product.data<float>().ToArray());
    }

    [Fact]
    public void Conv_forward_and_backward_give_hand_computed_values()
    {
        using var scope = NewDisposeScope();
        // 1x1x3x3 input 0..8, a 2x2 kernel of ones, no padding: each output is the sum of a 2x2 window.
        var input = arange(9, dtype: float32).reshape(1, 1, 3, 3);
        var weight = ones(1, 1, 2, 2, requires_grad: true);
        var output = nn.functional.conv2d(input, weight);
        Assert.Equal(new float[] { 8, 12, 20, 24 }, output.data<float>().ToArray());

        // d(sum of outputs)/d(weight[i,j]) = sum of the inputs that weight touches.
        output.sum().backward();
        Assert.Equal(new float[] { 8, 12, 20, 24 }, weight.grad!.data<float>().ToArray());
    }

    [Fact]
    public void Torchvision_nms_keeps_the_expected_boxes()
    {
        using var scope = NewDisposeScope();
        var boxes = tensor(new float[,]
        {
            { 0, 0, 10, 10 },   // best score
            { 1, 1, 11, 11 },   // IoU 81/119 = 0.68 with box 0: suppressed at 0.5
            { 20, 20, 30, 30 }, // disjoint: kept
            { 0, 0, 10, 9 },    // IoU 0.9 with box 0: suppressed
        });
        var scores = tensor(new float[] { 0.9f, 0.8f, 0.7f, 0.95f });
        var kept = torchvision.ops.nms(boxes, scores, 0.5);
        Assert.Equal(new long[] { 3, 2 }, kept.data<long>().ToArray());
    }
}
