using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Spotter.Boxes;

namespace Spotter.Data.Formats;

/// <summary>
/// Reads Pascal VOC XML annotations wherever they are below the dataset folder: the VOCdevkit
/// layout (Annotations/, JPEGImages/, ImageSets/Main/*.txt), annotations/ or annots/ or xml/
/// beside images/, XML beside the images, or Roboflow's train/ valid/ test/ folders (which
/// become splits when there is no ImageSets/Main). An image is found by the XML's
/// &lt;filename&gt;, in the XML's own folder first, else anywhere under the dataset folder, else by
/// the XML's stem. The image id is the XML's stem (as ImageSets lists it), or its path under
/// the dataset folder when stems repeat.
/// </summary>
public static class VocReader
{
    private static readonly string[] ImageSetNames = ["train", "val", "trainval", "test"];

    public static Dataset Read(string root)
    {
        if (!Directory.Exists(root)) throw new SpotterException($"{root}: folder not found");
        var folder = DatasetFolder.List(root);
        var xmls = folder.WithExtension(".xml").ToList();
        if (xmls.Count == 0) throw new SpotterException($"{root}: no VOC .xml annotations found");
        return Read(folder, xmls);
    }

    internal static Dataset Read(DatasetFolder folder, IReadOnlyList<string> xmlFiles)
    {
        var images = new ImageIndex(folder.Files);
        var builder = new DatasetBuilder(folder.Root, "voc");
        folder.ReportSkipped(builder);
        var stemsRepeat = xmlFiles.GroupBy(Path.GetFileNameWithoutExtension).Any(g => g.Count() > 1);
        var idOf = xmlFiles.ToDictionary(f => f, f => stemsRepeat ? Path.ChangeExtension(Path.GetRelativePath(folder.Root, f), null).Replace('\\', '/') : Path.GetFileNameWithoutExtension(f));
        var missing = new List<(string File, string Image)>();
        foreach (var file in xmlFiles.Order(StringComparer.Ordinal))
            ReadAnnotation(file, idOf[file], images, builder, missing);
        if (missing.Count == xmlFiles.Count && missing.Count > 0)
            builder.Fail(folder.Root, $"none of the images its {missing.Count} annotation(s) name were found under it (e.g. '{missing[0].Image}' for {missing[0].File}); " +
                "put the images in the dataset folder (beside the XML files, in JPEGImages/ or images/)");
        else
            foreach (var (file, image) in missing) builder.Warn(file, $"image '{image}' not found under the dataset folder; image skipped");
        if (!ReadImageSets(folder, builder)) SplitsFromFolders(folder, xmlFiles, idOf, builder);
        return builder.Build();
    }

    private static void ReadAnnotation(string file, string id, ImageIndex images, DatasetBuilder builder, List<(string File, string Image)> missing)
    {
        XDocument document;
        try
        {
            document = XDocument.Load(file, LoadOptions.SetLineInfo);
        }
        catch (XmlException e)
        {
            builder.Warn($"{file}:{e.LineNumber}", $"malformed XML ({FirstSentence(e.Message)}); image skipped");
            return;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            builder.Warn(file, $"cannot read the file ({e.Message}); image skipped");
            return;
        }
        var annotation = document.Root!;
        if (annotation.Name.LocalName != "annotation")
        {
            builder.Warn(file, $"not a VOC annotation (its root element is <{annotation.Name.LocalName}>); skipped");
            return;
        }
        var fileName = annotation.Element("filename")?.Value;
        var imagePath = images.Find(fileName, Path.GetFileNameWithoutExtension(file), Path.GetDirectoryName(file));
        if (imagePath is null)
        {
            missing.Add((file, fileName ?? id));
            return;
        }
        var size = annotation.Element("size");
        var size2 = builder.ResolveSize(imagePath, ParseInt(size?.Element("width")), ParseInt(size?.Element("height")), file);
        if (size2 is null) return;

        var objects = new List<DatasetBuilder.RawObject>();
        foreach (var element in annotation.Elements("object"))
        {
            var raw = ReadObject(element, file, builder);
            if (raw is not null) objects.Add(raw.Value);
        }
        builder.AddImage(id, imagePath, size2.Value.Width, size2.Value.Height, objects, file);
    }

    private static DatasetBuilder.RawObject? ReadObject(XElement element, string file, DatasetBuilder builder)
    {
        var location = $"{file}:{((IXmlLineInfo)element).LineNumber}";
        var name = element.Element("name")?.Value.Trim();
        if (string.IsNullOrEmpty(name))
        {
            builder.Warn(location, "object without a <name>; object dropped");
            return null;
        }
        var box = element.Element("bndbox");
        var corners = new[] { "xmin", "ymin", "xmax", "ymax" }.Select(c => ParseDouble(box?.Element(c))).ToArray();
        if (corners.Any(c => c is null))
        {
            builder.Warn(location, $"object '{name}' has a missing or non-numeric <bndbox>; object dropped");
            return null;
        }
        // VOC corners are inclusive, so xmin == xmax would be one pixel wide; in practice it is
        // a click without a drag, a zero-size box as drawn.
        if (corners[2] <= corners[0] || corners[3] <= corners[1])
        {
            builder.Warn(location, $"zero-size box (xmin {corners[0]}, ymin {corners[1]}, xmax {corners[2]}, ymax {corners[3]}) of class {name}; object dropped");
            return null;
        }
        var classIndex = builder.ClassIndex(name, location);
        if (classIndex is null) return null;
        return new DatasetBuilder.RawObject(classIndex.Value, BoxFormat.FromVoc(corners[0]!.Value, corners[1]!.Value, corners[2]!.Value, corners[3]!.Value),
            location, Difficult: ParseInt(element.Element("difficult")) == 1, Truncated: ParseInt(element.Element("truncated")) == 1);
    }

    /// <summary>The VOCdevkit's ImageSets/Main/SPLIT.txt lists, wherever the ImageSets folder is; false when there are none.</summary>
    private static bool ReadImageSets(DatasetFolder folder, DatasetBuilder builder)
    {
        var lists = folder.WithExtension(".txt")
            .Where(f => Path.GetFileName(Path.GetDirectoryName(f)) == "Main" && Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(f))) == "ImageSets")
            .Where(f => ImageSetNames.Contains(Path.GetFileNameWithoutExtension(f))).ToList();
        foreach (var file in lists)
        {
            var split = Path.GetFileNameWithoutExtension(file);
            var ids = SplitList.Read(file).Select(e => e.Entry).ToList();
            var unknown = ids.Where(id => !builder.HasImage(id)).ToList();
            if (unknown.Count > 0)
                builder.Warn(file, $"{unknown.Count} listed id(s) have no usable annotation (e.g. {unknown[0]}); left out of '{split}'");
            builder.AddSplit(split, ids.Where(builder.HasImage).ToList());
        }
        return lists.Count > 0;
    }

    /// <summary>Roboflow's VOC export: the top folder (train, valid, test) of each XML is its split.</summary>
    private static void SplitsFromFolders(DatasetFolder folder, IReadOnlyList<string> xmlFiles, Dictionary<string, string> idOf, DatasetBuilder builder)
    {
        var bySplit = xmlFiles
            .Select(f => (File: f, Top: Path.GetRelativePath(folder.Root, f).Replace('\\', '/').Split('/')))
            .Where(x => x.Top.Length > 1 && SplitNames.IsSplitFolder(x.Top[0]))
            .GroupBy(x => SplitNames.Canonical(x.Top[0])!);
        foreach (var group in bySplit)
            builder.AddSplit(group.Key, group.Select(x => idOf[x.File]).Where(builder.HasImage).ToList());
    }

    private static int ParseInt(XElement? element) =>
        element is not null && double.TryParse(element.Value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? (int)v : 0;

    private static double? ParseDouble(XElement? element) =>
        element is not null && double.TryParse(element.Value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null;

    private static string FirstSentence(string message) => message.Split(". Line", 2)[0].TrimEnd('.');
}
