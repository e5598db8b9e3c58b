using static TorchSharp.torch;

namespace Spotter.Models.Ssd;

/// <summary>
/// Focal loss for the detection head's class logits (lesson 9, after Lin et al.): binary
/// cross-entropy per class on one-hot targets without a background column (background = all
/// zeros), weighted by alpha on positive targets and 1 - alpha elsewhere, and by |t - p|^gamma
/// (= (1 - p_t)^gamma for one-hot targets) so that the many easy background anchors stop
/// dominating. Targets between 0 and 1 (an IoU instead of 1: <see cref="ClassLossKind.Quality"/>)
/// make it quality focal loss: the modulating factor then vanishes where p reaches the target.
/// Summed; the caller divides by the positives.
/// </summary>
public static class FocalLoss
{
    /// <param name="logits">A x C class logits (no background column).</param>
    /// <param name="targets">A x C targets: 0 for background, 1 (or the box's IoU) for an anchor's class.</param>
    public static Tensor Compute(Tensor logits, Tensor targets, double alpha = 0.25, double gamma = 2)
    {
        using var scope = NewDisposeScope();
        var p = sigmoid(logits);
        var positive = (targets > 0).to_type(targets.dtype);
        var weight = alpha * positive + (1 - alpha) * (1 - positive);
        var bce = nn.functional.binary_cross_entropy_with_logits(logits, targets, reduction: nn.Reduction.None);
        return (weight * (targets - p).abs().pow(gamma) * bce).sum().MoveToOuterDisposeScope();
    }
}
