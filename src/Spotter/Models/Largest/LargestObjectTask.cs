namespace Spotter.Models.Largest;

/// <summary>The lesson-8 tasks: the class of the largest object, its box, or both with one model.</summary>
public enum LargestObjectTask
{
    ClassifyLargest,
    LocateLargest,
    Largest,
}

public static class LargestObjectTasks
{
    public static string Name(this LargestObjectTask task) => task switch
    {
        LargestObjectTask.ClassifyLargest => "classify-largest",
        LargestObjectTask.LocateLargest => "locate-largest",
        _ => "largest",
    };

    public static bool TryParse(string name, out LargestObjectTask task)
    {
        foreach (var candidate in Enum.GetValues<LargestObjectTask>())
            if (candidate.Name() == name)
            {
                task = candidate;
                return true;
            }
        task = default;
        return false;
    }

    public static bool PredictsClass(this LargestObjectTask task) => task != LargestObjectTask.LocateLargest;

    public static bool PredictsBox(this LargestObjectTask task) => task != LargestObjectTask.ClassifyLargest;
}
