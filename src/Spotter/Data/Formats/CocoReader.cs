using System.Globalization;
using System.Text.Json;
using Spotter.Boxes;

namespace Spotter.Data.Formats;

/// <summary>
/// Reads COCO instances JSON: one file, or several files of one dataset each holding a split
/// (instances_train2017.json and instances_val2017.json; Roboflow's train/_annotations.coco.json).
/// Categories keep their own (often non-contiguous) ids, `iscrowd` objects are kept and flagged,
/// `ignore: 1` objects are skipped (as the fastai lessons did), images without annotations are
/// kept. Every field is checked for its type: a wrong one drops the object or image with a
/// warning, never an exception. Image folders are found by <see cref="CocoImageFolder"/>.
/// </summary>
public static class CocoReader
{
    /// <summary>One annotation file and the split it holds (null: no split of its own).</summary>
    public sealed record SplitFile(string JsonPath, string? Split);

    public static Dataset Read(string jsonPath, string? imageFolder = null) =>
        Read(jsonPath, [new SplitFile(jsonPath, null)], imageFolder);

    /// <param name="source">The dataset's name in messages (the file or the folder).</param>
    public static Dataset Read(string source, IReadOnlyList<SplitFile> files, string? imageFolder = null) => Read(source, files, imageFolder, null);

    /// <param name="listed">The dataset folder's listing, whose skipped links are reported.</param>
    internal static Dataset Read(string source, IReadOnlyList<SplitFile> files, string? imageFolder, DatasetFolder? listed)
    {
        var documents = new List<(SplitFile File, JsonDocument Document)>();
        try
        {
            foreach (var file in files) documents.Add((file, Parse(file.JsonPath)));
            var perFile = documents.Select(d => ReadCategories(d.Document.RootElement, d.File.JsonPath)).ToList();
            // The classes are the union of the files' categories by name, in the first file's id order.
            var categories = perFile.SelectMany(c => c).DistinctBy(c => c.Name).ToList();
            var builder = new DatasetBuilder(source, "coco", categories.Select(c => c.Name), categories.Select(c => c.Id));
            listed?.ReportSkipped(builder);
            var classByName = categories.Select((c, i) => (c.Name, i)).ToDictionary(x => x.Name, x => x.i, StringComparer.Ordinal);
            for (var f = 0; f < documents.Count; f++)
            {
                var classByCategory = perFile[f].GroupBy(c => c.Id).ToDictionary(g => g.Key, g => classByName[g.First().Name]);
                var (file, document) = documents[f];
                var ids = ReadFile(document.RootElement, file, classByCategory, imageFolder, idPrefix: files.Count > 1 ? $"{file.Split ?? Path.GetFileNameWithoutExtension(file.JsonPath)}/" : "", builder);
                if (file.Split is { } split) builder.AddSplit(split, ids);
            }
            return builder.Build();
        }
        finally
        {
            foreach (var (_, document) in documents) document.Dispose();
        }
    }

    private static JsonDocument Parse(string path)
    {
        if (!File.Exists(path)) throw new SpotterException($"{path}: file not found");
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new SpotterException($"{path}:{(e.LineNumber ?? 0) + 1}: malformed JSON ({e.Message.Split(" Path:", 2)[0].Split(" LineNumber:", 2)[0]})");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SpotterException($"{path}: cannot read the file ({e.Message})");
        }
    }

    private static List<(int Id, string Name)> ReadCategories(JsonElement root, string path)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("images", out _) || !root.TryGetProperty("categories", out _))
            throw new SpotterException($"{path}: not a COCO instances file (needs 'images' and 'categories')");
        var result = new List<(int, string)>();
        foreach (var category in ArrayOf(root, "categories", path))
        {
            if (category.ValueKind != JsonValueKind.Object || Int(category, "id") is not { } id)
                throw new SpotterException($"{path}: category {Raw(category)} has no numeric 'id'");
            var name = category.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String && n.GetString() is { Length: > 0 } s
                ? s : id.ToString(CultureInfo.InvariantCulture);
            if (result.Any(c => c.Item1 == id)) throw new SpotterException($"{path}: category id {id} appears twice");
            result.Add((id, name));
        }
        return result.OrderBy(c => c.Item1).ToList();
    }

    /// <summary>Reads one file's images and annotations; returns the ids of the images kept.</summary>
    private static List<string> ReadFile(JsonElement root, SplitFile file, Dictionary<int, int> classByCategory, string? imageFolder, string idPrefix, DatasetBuilder builder)
    {
        var path = file.JsonPath;
        var images = ArrayOf(root, "images", path).ToList();
        var entries = new List<(string Id, string FileName, int Width, int Height)>();
        foreach (var image in images)
        {
            if (image.ValueKind != JsonValueKind.Object || !image.TryGetProperty("id", out var idElement) || idElement.ValueKind is not (JsonValueKind.Number or JsonValueKind.String))
            {
                builder.Warn(path, $"image entry {Raw(image)} has no 'id'; skipped");
                continue;
            }
            var id = idElement.ToString();
            if (!image.TryGetProperty("file_name", out var name) || name.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(name.GetString()))
            {
                builder.Warn($"{path} (image {id})", "no 'file_name'; image skipped");
                continue;
            }
            entries.Add((id, name.GetString()!, Int(image, "width") ?? 0, Int(image, "height") ?? 0));
        }

        var objectsByImage = ReadAnnotations(root, path, classByCategory, builder, entries.Select(e => e.Id).ToHashSet(StringComparer.Ordinal));
        var folder = CocoImageFolder.Find(path, file.Split, entries.Select(e => e.FileName).ToList(), imageFolder);
        if (folder.Found == 0 && entries.Count > 0)
        {
            builder.Fail(path, $"none of its {entries.Count} images were found (looked in {string.Join(", ", folder.Looked)}); give the image folder with --images DIR");
            return [];
        }
        var kept = new List<string>();
        foreach (var (imageId, fileName, width, height) in entries)
        {
            var location = $"{path} (image {imageId})";
            var imagePath = CocoImageFolder.Locate(folder.Folder, fileName);
            if (imagePath is null)
            {
                builder.Warn(location, $"image file {Path.Combine(folder.Folder, fileName)} not found; image skipped");
                continue;
            }
            if (idPrefix.Length > 0 && builder.IdOfPath(imagePath) is { } known)
            {
                kept.Add(known); // trainval lists the images of train and val again
                continue;
            }
            var size = builder.ResolveSize(imagePath, width, height, location);
            if (size is null) continue;
            var id = idPrefix + imageId;
            builder.AddImage(id, imagePath, size.Value.Width, size.Value.Height, objectsByImage.GetValueOrDefault(imageId) ?? [], location);
            if (builder.HasImage(id)) kept.Add(id);
        }
        return kept;
    }

    private static Dictionary<string, List<DatasetBuilder.RawObject>> ReadAnnotations(JsonElement root, string path,
        Dictionary<int, int> classByCategory, DatasetBuilder builder, HashSet<string> imageIds)
    {
        var result = new Dictionary<string, List<DatasetBuilder.RawObject>>();
        if (!root.TryGetProperty("annotations", out _)) return result;
        foreach (var a in ArrayOf(root, "annotations", path))
        {
            if (a.ValueKind != JsonValueKind.Object)
            {
                builder.Warn(path, $"annotation {Raw(a)} is not an object; skipped");
                continue;
            }
            var location = $"{path} (annotation {(a.TryGetProperty("id", out var idElement) ? Raw(idElement) : "without id")})";
            if (Int(a, "ignore") == 1) continue;
            if (!a.TryGetProperty("category_id", out var categoryElement) || Int(a, "category_id") is not { } category)
            {
                builder.Warn(location, $"category_id {(categoryElement.ValueKind == JsonValueKind.Undefined ? "missing" : Raw(categoryElement) + " is not a number")}; object dropped");
                continue;
            }
            if (!classByCategory.TryGetValue(category, out var classIndex))
            {
                builder.Warn(location, $"unknown category_id {category}; object dropped");
                continue;
            }
            if (Numbers(a, "bbox") is not { Length: 4 } v)
            {
                builder.Warn(location, $"bbox {(a.TryGetProperty("bbox", out var b) ? Raw(b) : "missing")} is not 4 numbers [x, y, width, height]; object dropped");
                continue;
            }
            var imageId = a.TryGetProperty("image_id", out var imageElement) && imageElement.ValueKind is JsonValueKind.Number or JsonValueKind.String ? imageElement.ToString() : null;
            if (imageId is null || !imageIds.Contains(imageId))
            {
                builder.Warn(location, $"image_id {(imageId ?? "missing")} is not among the file's images; object dropped");
                continue;
            }
            if (!result.TryGetValue(imageId, out var list)) result[imageId] = list = [];
            list.Add(new DatasetBuilder.RawObject(classIndex, BoxFormat.FromCoco(v[0], v[1], v[2], v[3]), location,
                Difficult: Int(a, "difficult") == 1, Crowd: Int(a, "iscrowd") == 1));
        }
        return result;
    }

    private static IEnumerable<JsonElement> ArrayOf(JsonElement root, string name, string path)
    {
        var value = root.GetProperty(name);
        if (value.ValueKind != JsonValueKind.Array)
            throw new SpotterException($"{path}: '{name}' must be a list, found {value.ValueKind.ToString().ToLowerInvariant()}");
        return value.EnumerateArray();
    }

    /// <summary>An integer field, given as a number or a numeric string (some exporters quote ids); null otherwise.</summary>
    private static int? Int(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value)) return null;
        double number;
        if (value.ValueKind == JsonValueKind.Number) number = value.GetDouble();
        else if (value.ValueKind != JsonValueKind.String || !double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out number)) return null;
        return double.IsFinite(number) && Math.Abs(number) < int.MaxValue && number == Math.Floor(number) ? (int)number : null;
    }

    /// <summary>An array of finite numbers, or null when the field is missing or anything else.</summary>
    private static double[]? Numbers(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.Array) return null;
        var result = new List<double>();
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !double.IsFinite(item.GetDouble())) return null;
            result.Add(item.GetDouble());
        }
        return result.ToArray();
    }

    /// <summary>A JSON value as written, shortened for a message.</summary>
    private static string Raw(JsonElement element)
    {
        var text = element.GetRawText();
        return text.Length <= 40 ? text : text[..37] + "...";
    }
}
