using System.Text.Json;
using Spotter.Boxes;

namespace Spotter.Data.Formats;

/// <summary>
/// Reads a COCO instances JSON: categories keep their own (often non-contiguous) ids, `iscrowd`
/// objects are kept and flagged, `ignore: 1` objects are skipped (as the fastai lessons did),
/// images without annotations are kept. Images are looked up by `file_name` in the given folder,
/// else next to the JSON, in images/ beside it, or in ../images.
/// </summary>
public static class CocoReader
{
    public static Dataset Read(string jsonPath, string? imageFolder = null)
    {
        if (!File.Exists(jsonPath)) throw new SpotterException($"{jsonPath}: file not found");
        using var document = Parse(jsonPath);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("images", out var images) || !root.TryGetProperty("categories", out var categories))
            throw new SpotterException($"{jsonPath}: not a COCO instances file (needs 'images' and 'categories')");

        var categoryList = categories.EnumerateArray()
            .Select(c => (Id: c.GetProperty("id").GetInt32(), Name: c.GetProperty("name").GetString() ?? c.GetProperty("id").ToString()))
            .OrderBy(c => c.Id).ToList();
        var builder = new DatasetBuilder(jsonPath, "coco", categoryList.Select(c => c.Name), categoryList.Select(c => c.Id));
        var classByCategory = categoryList.Select((c, i) => (c.Id, i)).ToDictionary(x => x.Id, x => x.i);

        var objectsByImage = ReadAnnotations(root, jsonPath, classByCategory, builder);
        var folder = imageFolder ?? GuessImageFolder(jsonPath, images);
        foreach (var image in images.EnumerateArray())
        {
            var id = image.GetProperty("id").ToString();
            var fileName = image.GetProperty("file_name").GetString() ?? "";
            var location = $"{jsonPath} (image {id})";
            var path = Path.Combine(folder, fileName);
            if (!File.Exists(path))
            {
                builder.Warn(location, $"image file {path} not found; image skipped");
                continue;
            }
            var size = builder.ResolveSize(path, IntOr0(image, "width"), IntOr0(image, "height"), location);
            if (size is null) continue;
            builder.AddImage(id, path, size.Value.Width, size.Value.Height, objectsByImage.GetValueOrDefault(id) ?? [], location);
        }
        return builder.Build();
    }

    private static JsonDocument Parse(string path)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new SpotterException($"{path}:{(e.LineNumber ?? 0) + 1}: malformed JSON ({e.Message.Split(" Path:", 2)[0].Split(" LineNumber:", 2)[0]})");
        }
    }

    private static Dictionary<string, List<DatasetBuilder.RawObject>> ReadAnnotations(JsonElement root, string path,
        Dictionary<int, int> classByCategory, DatasetBuilder builder)
    {
        var result = new Dictionary<string, List<DatasetBuilder.RawObject>>();
        if (!root.TryGetProperty("annotations", out var annotations)) return result;
        foreach (var a in annotations.EnumerateArray())
        {
            var id = a.TryGetProperty("id", out var idElement) ? idElement.ToString() : "?";
            var location = $"{path} (annotation {id})";
            if (IntOr0(a, "ignore") == 1) continue;
            var category = IntOr0(a, "category_id");
            if (!classByCategory.TryGetValue(category, out var classIndex))
            {
                builder.Warn(location, $"unknown category_id {category}; object dropped");
                continue;
            }
            if (!a.TryGetProperty("bbox", out var bbox) || bbox.GetArrayLength() != 4)
            {
                builder.Warn(location, "missing or malformed bbox; object dropped");
                continue;
            }
            var v = bbox.EnumerateArray().Select(e => e.GetDouble()).ToArray();
            var box = BoxFormat.FromCoco(v[0], v[1], v[2], v[3]);
            var imageId = a.GetProperty("image_id").ToString();
            if (!result.TryGetValue(imageId, out var list)) result[imageId] = list = [];
            list.Add(new DatasetBuilder.RawObject(classIndex, box, location, Difficult: IntOr0(a, "difficult") == 1, Crowd: IntOr0(a, "iscrowd") == 1));
        }
        return result;
    }

    private static string GuessImageFolder(string jsonPath, JsonElement images)
    {
        var here = Path.GetDirectoryName(Path.GetFullPath(jsonPath))!;
        var candidates = new[] { here, Path.Combine(here, "images"), Path.Combine(here, "..", "images"), Path.Combine(here, Path.GetFileNameWithoutExtension(jsonPath)) };
        var sample = images.EnumerateArray().Select(i => i.GetProperty("file_name").GetString()).FirstOrDefault(n => !string.IsNullOrEmpty(n));
        if (sample is null) return here;
        return candidates.FirstOrDefault(c => File.Exists(Path.Combine(c, sample))) ?? here;
    }

    private static int IntOr0(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? (int)value.GetDouble() : 0;
}
