using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Spotter.Boxes;

namespace Spotter.Data.Formats;

/// <summary>
/// Reads Pascal VOC XML annotations in the VOCdevkit layout (Annotations/, JPEGImages/,
/// ImageSets/Main/*.txt) or flat layouts (annotations/ + images/, or XML next to the images).
/// The image id is the XML file's stem, as ImageSets lists it.
/// </summary>
public static class VocReader
{
    private static readonly string[] SplitNames = ["train", "val", "trainval", "test"];

    public static bool LooksLikeVoc(string folder) =>
        Directory.Exists(folder) && AnnotationFolder(folder) is { } a && Directory.EnumerateFiles(a, "*.xml").Any();

    public static Dataset Read(string root)
    {
        if (!Directory.Exists(root)) throw new SpotterException($"{root}: folder not found");
        var annotations = AnnotationFolder(root) ?? throw new SpotterException($"{root}: no VOC annotations (expected Annotations/*.xml, annotations/*.xml or *.xml)");
        var images = new ImageIndex([Path.Combine(root, "JPEGImages"), Path.Combine(root, "images"), Path.Combine(root, "Images"), annotations, root]);
        var builder = new DatasetBuilder(root, "voc");
        foreach (var file in Directory.EnumerateFiles(annotations, "*.xml").Order(StringComparer.Ordinal))
            ReadAnnotation(file, images, builder);
        ReadSplits(root, builder);
        return builder.Build();
    }

    private static string? AnnotationFolder(string root)
    {
        foreach (var name in new[] { "Annotations", "annotations" })
        {
            var folder = Path.Combine(root, name);
            if (Directory.Exists(folder)) return folder;
        }
        return Directory.EnumerateFiles(root, "*.xml").Any() ? root : null;
    }

    private static void ReadAnnotation(string file, ImageIndex images, DatasetBuilder builder)
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
        var id = Path.GetFileNameWithoutExtension(file);
        var annotation = document.Root!;
        var fileName = annotation.Element("filename")?.Value;
        var imagePath = images.Find(fileName, id);
        if (imagePath is null)
        {
            builder.Warn(file, $"image '{fileName ?? id}' not found under the dataset folder; image skipped");
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

    private static void ReadSplits(string root, DatasetBuilder builder)
    {
        var folder = Path.Combine(root, "ImageSets", "Main");
        foreach (var split in SplitNames)
        {
            var file = Path.Combine(folder, split + ".txt");
            if (!File.Exists(file)) continue;
            var ids = File.ReadLines(file).Select(l => l.Trim().Split(' ', 2)[0]).Where(l => l.Length > 0).ToList();
            var unknown = ids.Where(id => !builder.HasImage(id)).ToList();
            if (unknown.Count > 0)
                builder.Warn(file, $"{unknown.Count} listed id(s) have no usable annotation (e.g. {unknown[0]}); left out of '{split}'");
            builder.AddSplit(split, ids.Where(builder.HasImage).ToList());
        }
    }

    private static int ParseInt(XElement? element) =>
        element is not null && double.TryParse(element.Value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? (int)v : 0;

    private static double? ParseDouble(XElement? element) =>
        element is not null && double.TryParse(element.Value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null;

    private static string FirstSentence(string message) => message.Split(". Line", 2)[0].TrimEnd('.');
}
