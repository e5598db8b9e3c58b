namespace Spotter.Data.Formats;

/// <summary>Writes a dataset in a format, copying its images. The output folder must be new or empty.</summary>
public static class DatasetWriter
{
    public static readonly string[] Formats = ["voc", "coco", "yolo"];

    public static string Write(Dataset dataset, string format, string outFolder)
    {
        PrepareFolder(outFolder);
        return format switch
        {
            "voc" => VocWriter.Write(dataset, outFolder),
            "coco" => CocoWriter.Write(dataset, outFolder),
            "yolo" => YoloWriter.Write(dataset, outFolder),
            _ => throw new SpotterException($"unknown format '{format}'; choose voc, coco or yolo"),
        };
    }

    private static void PrepareFolder(string folder)
    {
        if (File.Exists(folder)) throw new SpotterException($"{folder}: is a file; give a folder for the converted dataset");
        if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
            throw new SpotterException($"{folder}: folder is not empty; give a new or empty folder so nothing is overwritten");
        Directory.CreateDirectory(folder);
    }

    /// <summary>A file-name-safe form of an image id (ids from YOLO datasets hold folder separators).</summary>
    internal static string FileStem(string id) => string.Concat(id.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));

    /// <summary>
    /// The file name each image gets in the output: its own when all names are distinct (so
    /// conversions keep names like BloodImage_00001.jpg), else its id with its own extension.
    /// </summary>
    internal static Dictionary<string, string> FileNames(Dataset dataset)
    {
        var own = dataset.Images.ToDictionary(i => i.Id, i => Path.GetFileName(i.Path));
        if (own.Values.Distinct(StringComparer.OrdinalIgnoreCase).Count() == own.Count) return own;
        return dataset.Images.ToDictionary(i => i.Id, i => FileStem(i.Id) + Path.GetExtension(i.Path).ToLowerInvariant());
    }

    internal static void CopyImage(ImageRecord image, string folder, string fileName)
    {
        Directory.CreateDirectory(folder);
        File.Copy(image.Path, Path.Combine(folder, fileName), overwrite: false);
    }
}
