using Spotter.Models.Backbones;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Spotter.Models.Ssd;

/// <summary>
/// The top-down half of a feature pyramid (<see cref="NeckKind.Fpn"/>): every body level is
/// projected to <see cref="Width"/> channels by a 1x1 conv, and, from the coarsest down, each
/// projection gets the nearest-upsampled sum above it added. FPN's 3x3 smoothing conv after the
/// sum is left out because every level's head starts with its own 3x3 conv block.
/// </summary>
public sealed class FeaturePyramid : nn.Module<Tensor[], Tensor[]>
{
    private readonly ModuleList<Conv2d> lateral; // finest first, as the levels

    /// <summary>Channels of every output level (RetinaNet's 256).</summary>
    public const int Width = 256;

    /// <param name="levelChannels">Channels of the body levels it is given, finest first.</param>
    public FeaturePyramid(IReadOnlyList<int> levelChannels) : base(nameof(FeaturePyramid))
    {
        lateral = nn.ModuleList(levelChannels.Select(c => nn.Conv2d(c, Width, 1)).ToArray());
        RegisterComponents();
    }

    /// <summary>For export: the lateral 1x1 convs, finest first.</summary>
    internal IReadOnlyList<Conv2d> Lateral => lateral.ToList();

    /// <param name="levels">The body levels, finest first, each half the size of the one before.</param>
    /// <returns>As many maps of <see cref="Width"/> channels, the same sizes.</returns>
    public override Tensor[] forward(Tensor[] levels) => TopDown(lateral.ToList(), levels);

    /// <summary>
    /// The top-down merge with the given lateral convs (one per level, finest first): each level's
    /// projection plus the nearest-upsampled merge of the level above it.
    /// </summary>
    public static Tensor[] TopDown(IReadOnlyList<Conv2d> lateral, IReadOnlyList<Tensor> levels)
    {
        using var scope = NewDisposeScope();
        var merged = new Tensor[levels.Count];
        for (var i = levels.Count - 1; i >= 0; i--)
        {
            var projected = Backbone.Convolve(lateral[i], levels[i]);
            merged[i] = i == levels.Count - 1 ? projected
                : projected + nn.functional.interpolate(merged[i + 1], [projected.shape[2], projected.shape[3]], mode: InterpolationMode.Nearest);
        }
        foreach (var map in merged) map.MoveToOuterDisposeScope();
        return merged;
    }
}
