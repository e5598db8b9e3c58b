using System.Text.Json;
using System.Text.Json.Nodes;
using Spotter.Boxes;
using Spotter.Runtime;

namespace Spotter.Data.Formats;

/// <summary>
/// Writes images/ and instances.json (every image), plus instances_SPLIT.json per split.
/// Category ids are the dataset's own; difficult objects carry a "difficult": 1 field.
/// </summary>
internal static class CocoWriter
{
    public static string Write(Dataset dataset, string root)
    {
        var imageFolder = Path.Combine(root, "images");
        var fileNames = DatasetWriter.FileNames(dataset);
        foreach (var image in dataset.Images) DatasetWriter.CopyImage(image, imageFolder, fileNames[image.Id]);
        var numericIds = dataset.Images.Select((image, index) => (image.Id, Number: index + 1)).ToDictionary(x => x.Id, x => x.Number);
        var all = Path.Combine(root, "instances.json");
        WriteFile(all, dataset, dataset.Images, fileNames, numericIds);
        foreach (var split in dataset.Splits.Keys)
            WriteFile(Path.Combine(root, $"instances_{split}.json"), dataset, dataset.Split(split), fileNames, numericIds);
        return all;
    }

    private static void WriteFile(string path, Dataset dataset, IReadOnlyList<ImageRecord> images,
        Dictionary<string, string> fileNames, Dictionary<string, int> numericIds)
    {
        var annotationId = 0;
        var json = new JsonObject
        {
            ["images"] = new JsonArray(images.Select(i => (JsonNode)new JsonObject
            {
                ["id"] = numericIds[i.Id], ["file_name"] = fileNames[i.Id], ["width"] = i.Width, ["height"] = i.Height,
            }).ToArray()),
            ["annotations"] = new JsonArray(images.SelectMany(i => i.Objects.Select(o =>
            {
                var (x, y, w, h) = BoxFormat.ToCoco(o.Box);
                var node = new JsonObject
                {
                    ["id"] = ++annotationId, ["image_id"] = numericIds[i.Id], ["category_id"] = dataset.CategoryIds[o.ClassIndex],
                    ["bbox"] = new JsonArray(x, y, w, h), ["area"] = w * h, ["iscrowd"] = o.Crowd ? 1 : 0,
                };
                if (o.Difficult) node["difficult"] = 1;
                return (JsonNode)node;
            })).ToArray()),
            ["categories"] = new JsonArray(dataset.Classes.Select((name, index) => (JsonNode)new JsonObject
            {
                ["id"] = dataset.CategoryIds[index], ["name"] = name, ["supercategory"] = "object",
            }).ToArray()),
        };
        AtomicFile.WriteAllText(path, json.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
    }
}
