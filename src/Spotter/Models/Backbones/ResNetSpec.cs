namespace Spotter.Models.Backbones;

/// <summary>The shape of a ResNet: block kind, blocks per stage and stage widths.</summary>
public sealed record ResNetSpec(bool Bottleneck, IReadOnlyList<int> BlocksPerStage, IReadOnlyList<int> Widths)
{
    public static readonly ResNetSpec ResNet18 = new(false, [2, 2, 2, 2], [64, 128, 256, 512]);
    public static readonly ResNetSpec ResNet34 = new(false, [3, 4, 6, 3], [64, 128, 256, 512]);
    public static readonly ResNetSpec ResNet50 = new(true, [3, 4, 6, 3], [64, 128, 256, 512]);

    /// <summary>
    /// The ImageNet ResNet18 that ML.NET ships (exported from CNTK): like torchvision's ResNet18
    /// but with three blocks in the last stage.
    /// </summary>
    public static readonly ResNetSpec CntkResNet18 = new(false, [2, 2, 2, 3], [64, 128, 256, 512]);

    /// <summary>
    /// A very small ResNet for tests: one block per stage, narrow. No stage is 8 wide: libtorch's
    /// oneDNN AVX-512 backward convolution with 8 output channels (3x3) sporadically returns NaN or
    /// wrong gradients on AMD Zen 5 (about 1 call in 5 to 200, measured), which made tests flaky.
    /// </summary>
    public static readonly ResNetSpec Tiny = new(false, [1, 1, 1, 1], [16, 32, 64, 128]);

    /// <summary>Output channels of a stage (bottleneck blocks expand by 4).</summary>
    public int StageChannels(int stage) => Widths[stage] * (Bottleneck ? 4 : 1);
}
