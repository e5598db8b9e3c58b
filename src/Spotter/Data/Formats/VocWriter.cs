using System.Xml.Linq;
using Spotter.Boxes;
using Spotter.Runtime;

namespace Spotter.Data.Formats;

/// <summary>Writes the VOCdevkit layout: Annotations/*.xml, JPEGImages/, ImageSets/Main/SPLIT.txt.</summary>
internal static class VocWriter
{
    public static string Write(Dataset dataset, string root)
    {
        var annotations = Path.Combine(root, "Annotations");
        var images = Path.Combine(root, "JPEGImages");
        Directory.CreateDirectory(annotations);
        var fileNames = DatasetWriter.FileNames(dataset);
        // VOC ties annotation, image and ImageSets entry together by the image's file stem.
        var stem = fileNames.ToDictionary(kv => kv.Key, kv => Path.GetFileNameWithoutExtension(kv.Value));
        foreach (var image in dataset.Images)
        {
            DatasetWriter.CopyImage(image, images, fileNames[image.Id]);
            var xml = ToXml(image, fileNames[image.Id], dataset.Classes);
            AtomicFile.WriteAllText(Path.Combine(annotations, stem[image.Id] + ".xml"), xml.ToString());
        }
        if (dataset.Splits.Count > 0)
        {
            var sets = Path.Combine(root, "ImageSets", "Main");
            Directory.CreateDirectory(sets);
            foreach (var (split, ids) in dataset.Splits)
                AtomicFile.WriteAllText(Path.Combine(sets, split + ".txt"), string.Concat(ids.Select(id => stem[id] + "\n")));
        }
        return root;
    }

    internal static XDocument ToXml(ImageRecord image, string fileName, IReadOnlyList<string> classes) =>
        new(new XElement("annotation",
            new XElement("folder", "JPEGImages"),
            new XElement("filename", fileName),
            new XElement("size", new XElement("width", image.Width), new XElement("height", image.Height), new XElement("depth", 3)),
            new XElement("segmented", 0),
            image.Objects.Select(o =>
            {
                var (xmin, ymin, xmax, ymax) = BoxFormat.ToVoc(o.Box);
                return new XElement("object",
                    new XElement("name", classes[o.ClassIndex]),
                    new XElement("pose", "Unspecified"),
                    new XElement("truncated", o.Truncated ? 1 : 0),
                    new XElement("difficult", o.Difficult ? 1 : 0),
                    new XElement("bndbox", new XElement("xmin", xmin), new XElement("ymin", ymin), new XElement("xmax", xmax), new XElement("ymax", ymax)));
            })));
}
