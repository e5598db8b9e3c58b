namespace Spotter.Data.Loading;

/// <summary>
/// Box-aware augmentation, as in the lessons: squash to Size x Size (no crop, so boxes are never
/// cut), random horizontal flip, a small random rotation (boxes re-fitted around their rotated
/// corners; large angles would inflate them), random brightness and contrast.
/// </summary>
public sealed record AugmentOptions(
    int Size,
    double FlipProbability = 0.5,
    double MaxRotationDegrees = 3,
    double RotationProbability = 0.5,
    double Brightness = 0.05,
    double Contrast = 0.05)
{
    /// <summary>Only the squash: for validation and inference.</summary>
    public static AugmentOptions None(int size) => new(size, 0, 0, 0, 0, 0);

    public bool IsIdentity => FlipProbability == 0 && (MaxRotationDegrees == 0 || RotationProbability == 0) && Brightness == 0 && Contrast == 0;
}
