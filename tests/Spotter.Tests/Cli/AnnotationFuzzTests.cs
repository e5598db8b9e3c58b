using System.Text.Json.Nodes;
using System.Xml.Linq;
using Spotter.Tests.Data;

namespace Spotter.Tests.Cli;

/// <summary>
/// Annotation files mutated every way a tool or a hand edit breaks them (cut short, a value of
/// another type, a field dropped): `data check` must answer each with exit 0 (read, with
/// warnings) or 1 (one line), never 2. The mutations are enumerated, not drawn at random, so
/// every run tries the same ones.
/// </summary>
public sealed class AnnotationFuzzTests : IDisposable
{
    private static readonly JsonNode?[] Replacements = [null, JsonValue.Create("a"), JsonValue.Create(-1.5), new JsonArray(), new JsonObject(), JsonValue.Create(1e300)];

    private readonly string _root = Directory.CreateTempSubdirectory("spotter-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string At(string relative) => Path.Combine(_root, relative);

    private static void AssertHandled(string path, string variant, params string[] args)
    {
        var (code, _, error) = CliRunner.Run(args);
        Assert.True(code is 0 or 1, $"{variant}: exit {code}: {error}");
        Assert.DoesNotContain("internal error", error);
    }

    /// <summary>The text cut at ten places, from the first byte to the last.</summary>
    private static IEnumerable<(string Variant, string Text)> Truncations(string text) =>
        Enumerable.Range(0, 10).Select(i => ($"cut at {i * text.Length / 10}", text[..(i * text.Length / 10)]));

    [Fact]
    public void Coco_files_cut_retyped_or_missing_fields_never_crash()
    {
        Fixtures.WriteImage(At("a.jpg"), 60, 40);
        Fixtures.WriteImage(At("b.jpg"), 60, 40);
        var original = """
        {"images": [{"id": 1, "file_name": "a.jpg", "width": 60, "height": 40}, {"id": 2, "file_name": "b.jpg", "width": 60, "height": 40}],
         "annotations": [{"id": 1, "image_id": 1, "category_id": 5, "bbox": [1, 2, 20, 10], "iscrowd": 0},
                         {"id": 2, "image_id": 2, "category_id": 5, "bbox": [3, 3, 9, 9], "ignore": 0}],
         "categories": [{"id": 5, "name": "cell", "supercategory": "thing"}]}
        """;
        var variants = Truncations(original).ToList();
        var root = JsonNode.Parse(original)!;
        foreach (var (path, node) in Walk(root, "$"))
        {
            if (node.Parent is JsonObject parentObject)
            {
                var name = node.GetPropertyName();
                variants.Add(($"{path} dropped", Mutate(root, path, n => ((JsonObject)n.Parent!).Remove(name))));
            }
            foreach (var replacement in Replacements)
                variants.Add(($"{path} = {replacement?.ToJsonString() ?? "null"}", Mutate(root, path, n => n.ReplaceWith(replacement?.DeepClone()))));
        }
        Assert.True(variants.Count > 200, $"only {variants.Count} variants");
        foreach (var (variant, text) in variants)
        {
            File.WriteAllText(At("labels.json"), text);
            AssertHandled(At("labels.json"), variant, "data", "check", At("labels.json"));
        }
    }

    [Fact]
    public void Voc_files_cut_retyped_or_missing_elements_never_crash()
    {
        Directory.CreateDirectory(At("voc/JPEGImages"));
        Directory.CreateDirectory(At("voc/Annotations"));
        Fixtures.WriteImage(At("voc/JPEGImages/a.jpg"), 60, 40);
        Fixtures.WriteImage(At("voc/JPEGImages/b.jpg"), 60, 40);
        File.WriteAllText(At("voc/Annotations/b.xml"), Fixtures.VocXml("b.jpg", 60, 40, ("cell", 2, 2, 30, 30)));
        var original = Fixtures.VocXml("a.jpg", 60, 40, ("cell", 2, 2, 30, 30), ("dot", 5, 5, 9, 9));
        var variants = Truncations(original).ToList();
        var elements = XDocument.Parse(original).Descendants().Select((_, i) => i).ToList();
        foreach (var index in elements)
        {
            variants.Add(($"element {index} dropped", MutateXml(original, index, e => e.Remove())));
            foreach (var value in new[] { "", "x", "-1", "NaN", "1e309", "<b>1</b>" })
                variants.Add(($"element {index} = {value}", MutateXml(original, index, e => e.ReplaceNodes(value.StartsWith('<') ? XElement.Parse(value) : new XText(value)))));
        }
        foreach (var (variant, text) in variants)
        {
            File.WriteAllText(At("voc/Annotations/a.xml"), text);
            AssertHandled(At("voc"), variant, "data", "check", At("voc"));
        }
    }

    [Fact]
    public void Yolo_yaml_and_labels_cut_or_retyped_never_crash()
    {
        Directory.CreateDirectory(At("yolo/images/train"));
        Directory.CreateDirectory(At("yolo/labels/train"));
        Fixtures.WriteImage(At("yolo/images/train/a.jpg"), 60, 40);
        Fixtures.WriteImage(At("yolo/images/train/b.jpg"), 60, 40);
        File.WriteAllText(At("yolo/labels/train/b.txt"), "0 0.5 0.5 0.2 0.2\n");
        const string yaml = "path: .\ntrain: images/train\nval: images/train\nnames:\n  0: cell\n  1: dot\n";
        const string labels = "0 0.5 0.5 0.2 0.2\n1 0.1 0.1 0.3 0.3 0.2 0.4\n";
        var yamlVariants = Truncations(yaml).Concat(new[] { "[", "{a: 1}", "- x", "names: 5", "names: {x: cell}", "names: [[a]]", "train: [1, [2]]", "train: {a: b}", "path: [x]" }
            .Select(line => ($"yaml + {line}", yaml.Replace("names:\n  0: cell\n  1: dot\n", "") + line + "\n")));
        foreach (var (variant, text) in yamlVariants)
        {
            File.WriteAllText(At("yolo/data.yaml"), text);
            AssertHandled(At("yolo"), variant, "data", "check", At("yolo"));
        }
        File.WriteAllText(At("yolo/data.yaml"), yaml);
        var labelVariants = Truncations(labels).Concat(new[] { "x 0.5 0.5 0.2 0.2", "0 NaN 0.5 0.2 0.2", "0 1e309 1 1 1", "-1 0.5 0.5 0.2 0.2", "99 0.5 0.5 0.2 0.2", "0.5 0.5 0.5 0.2 0.2", "0 0.5", "\0\0\0" }
            .Select(line => ($"label {line}", line + "\n")));
        foreach (var (variant, text) in labelVariants)
        {
            File.WriteAllText(At("yolo/labels/train/a.txt"), text);
            AssertHandled(At("yolo"), variant, "data", "check", At("yolo"));
        }
    }

    private static IEnumerable<(string Path, JsonNode Node)> Walk(JsonNode node, string path)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj.ToList())
                    if (child is not null)
                    {
                        yield return ($"{path}.{name}", child);
                        foreach (var inner in Walk(child, $"{path}.{name}")) yield return inner;
                    }
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                    if (array[i] is { } child)
                    {
                        yield return ($"{path}[{i}]", child);
                        foreach (var inner in Walk(child, $"{path}[{i}]")) yield return inner;
                    }
                break;
        }
    }

    /// <summary>The document with the node at <paramref name="path"/> (as <see cref="Walk"/> names it) changed, as text.</summary>
    private static string Mutate(JsonNode root, string path, Action<JsonNode> change)
    {
        var copy = root.DeepClone();
        var target = Walk(copy, "$").First(p => p.Path == path).Node;
        change(target);
        return copy.ToJsonString();
    }

    private static string MutateXml(string xml, int index, Action<XElement> change)
    {
        var document = XDocument.Parse(xml);
        var target = document.Descendants().ElementAt(index);
        if (target == document.Root) return "";
        change(target);
        return document.ToString();
    }
}
