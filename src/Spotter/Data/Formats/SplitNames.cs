using System.Text.RegularExpressions;

namespace Spotter.Data.Formats;

/// <summary>
/// Split names as tools write them, mapped to Spotter's: valid and validation are val, a year
/// suffix goes (train2017 is train), and names that say nothing about a split (CVAT's "default",
/// Label Studio's "result") mean the file holds all images.
/// </summary>
public static partial class SplitNames
{
    /// <summary>Spotter's name for a split, or null for a name that is not a split.</summary>
    public static string? Canonical(string name)
    {
        var lower = YearSuffix().Replace(name.Trim().ToLowerInvariant(), "");
        return lower switch
        {
            "train" or "training" => "train",
            "val" or "valid" or "validation" => "val",
            "test" or "testing" => "test",
            "trainval" => "trainval",
            "" or "default" or "result" or "annotations" or "instances" or "all" => null,
            _ => lower,
        };
    }

    /// <summary>Whether a folder name is one of the three usual split folders (train, valid/val, test).</summary>
    public static bool IsSplitFolder(string name) => Canonical(name) is "train" or "val" or "test";

    [GeneratedRegex("[-_]?(19|20)[0-9]{2}$")]
    private static partial Regex YearSuffix();
}
