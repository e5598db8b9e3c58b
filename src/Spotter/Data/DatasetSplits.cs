namespace Spotter.Data;

/// <summary>
/// Picks a split's images: the dataset's own split when it defines one, otherwise a random 80/20
/// split of all images into train and val (test and val are the same 20% then). The random split
/// always uses the same seed, so train, eval and data show agree on which images are held out.
/// A dataset with a train split and no val or test (one Roboflow folder, one COCO file) has its
/// train images split that way, so validation never sees training images. valid and validation
/// name the val split. A split may also be a file that lists its images (<see cref="SplitList"/>).
/// </summary>
public static class DatasetSplits
{
    public const double RandomValidationFraction = 0.2;
    private const int SplitSeed = 42;

    public static IReadOnlyList<ImageRecord> Select(Dataset dataset, string split)
    {
        if (SplitList.IsListFile(split)) return SplitList.Select(dataset, split);
        if (!dataset.Splits.ContainsKey(split) && Formats.SplitNames.Canonical(split) == "val") split = "val";
        var heldOut = dataset.Splits.ContainsKey("val") || dataset.Splits.ContainsKey("test");
        if (split is "train" or "val" && dataset.Splits.ContainsKey("train") && !heldOut)
            return RandomSplit(dataset.Split("train"), split);
        if (dataset.Splits.ContainsKey(split)) return dataset.Split(split);
        if (split == "all") return dataset.Images;
        if (split == "trainval" && dataset.Splits.ContainsKey("train") && dataset.Splits.ContainsKey("val"))
            return dataset.Split("train").Concat(dataset.Split("val")).ToList();
        if (split is not ("train" or "val" or "test"))
            throw new SpotterException($"unknown split '{split}'; choose train, val, test, trainval or all, or give a .txt or .csv file that lists the images");
        if (dataset.Splits.Count > 0 && split == "val" && dataset.Splits.ContainsKey("test"))
            return dataset.Split("test");
        return RandomSplit(dataset.Images, split);
    }

    /// <summary>How many images of <paramref name="other"/> are also in <paramref name="images"/> (the same file).</summary>
    public static int CountShared(IEnumerable<ImageRecord> images, IEnumerable<ImageRecord> other)
    {
        var files = images.Select(i => i.Path).ToHashSet();
        return other.Count(i => files.Contains(i.Path));
    }

    private static IReadOnlyList<ImageRecord> RandomSplit(IReadOnlyList<ImageRecord> images, string split)
    {
        var shuffled = images.OrderBy(i => i.Id, StringComparer.Ordinal).ToArray();
        new Random(SplitSeed).Shuffle(shuffled);
        var validationCount = (int)Math.Round(shuffled.Length * RandomValidationFraction);
        return split == "train" ? shuffled[validationCount..] : shuffled[..validationCount];
    }
}
