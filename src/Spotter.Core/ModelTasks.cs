namespace Spotter;

/// <summary>What each <see cref="ModelTask"/> predicts.</summary>
public static class ModelTasks
{
    public static bool IsLargestObject(this ModelTask task) => task != ModelTask.Detect;

    /// <summary>Whether the model names a class (a box-only model's detections are "object").</summary>
    public static bool PredictsClass(this ModelTask task) => task != ModelTask.LocateLargest;

    /// <summary>Whether the model places a box (a class-only model's box is the whole image).</summary>
    public static bool PredictsBox(this ModelTask task) => task != ModelTask.ClassifyLargest;

    /// <summary>The score below which detections are not shown: 0.3 for a detector (its raw output keeps
    /// everything above its score threshold, for mAP), 0 for the largest-object models (one answer per image).</summary>
    public static float DisplayThreshold(this ModelTask task) => task == ModelTask.Detect ? 0.3f : 0f;
}
