using static TorchSharp.torch;

namespace Spotter.Models.Ssd;

/// <summary>
/// Focal loss for the detection head's class logits (lesson 9, after Lin et al.): binary
/// cross-entropy per class on one-hot targets without a background column (background = all
/// zeros), weighted by w = alpha t + (1 - alpha)(1 - t) and by (1 - p_t)^gamma so that the many
/// easy background anchors stop dominating. Summed; the caller divides by the positives.
/// </summary>
public static class FocalLoss
{
    /// <param name="logits">A x C class logits (no background column).</param>
    /// <param name="targets">A x C one-hot targets (all zeros for background anchors).</param>
    public static Tensor Compute(Tensor logits, Tensor targets, double alpha = 0.25, double gamma = 2)
    {
        using var scope = NewDisposeScope();
        var p = sigmoid(logits);
        var pt = p * targets + (1 - p) * (1 - targets);
        var weight = alpha * targets + (1 - alpha) * (1 - targets);
        var bce = nn.functional.binary_cross_entropy_with_logits(logits, targets, reduction: nn.Reduction.None);
        return (weight * (1 - pt).pow(gamma) * bce).sum().MoveToOuterDisposeScope();
    }
}
