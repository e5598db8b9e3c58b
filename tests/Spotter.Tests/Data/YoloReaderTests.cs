using Spotter.Boxes;
using Spotter.Data;

namespace Spotter.Tests.Data;

public sealed class YoloReaderTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("spotter-yolo-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Reads_names_as_a_map_normalised_boxes_and_polygons()
    {
        Directory.CreateDirectory(Path.Combine(_root, "images", "train"));
        Directory.CreateDirectory(Path.Combine(_root, "labels", "train"));
        Fixtures.WriteImage(Path.Combine(_root, "images", "train", "p.jpg"), 200, 100);
        File.WriteAllText(Path.Combine(_root, "labels", "train", "p.txt"),
            "1 0.25 0.5 0.1 0.2\n\n0 0.1 0.1 0.3 0.1 0.3 0.4 0.1 0.4\n5 0.5 0.5 0.1 0.1\n0 0.5 x 0.1 0.1\n");
        File.WriteAllText(Path.Combine(_root, "data.yaml"), "path: .\ntrain: images/train\nnames:\n  0: cat\n  1: dog\n");

        var dataset = DatasetLoader.Load(_root);

        Assert.Equal("yolo", dataset.Format);
        Assert.Equal(["cat", "dog"], dataset.Classes);
        var image = dataset.Split("train").Single();
        Assert.Equal(2, image.Objects.Count);
        Assert.Equal(new Box(40, 40, 60, 60), image.Objects[0].Box);
        Assert.Equal(new Box(20, 10, 60, 40), image.Objects[1].Box); // polygon -> its bounding box
        var labels = Path.Combine(_root, "labels", "train", "p.txt");
        Assert.Contains(dataset.Problems, p => p.Location == $"{labels}:4" && p.Message.Contains("class 5"));
        Assert.Contains(dataset.Problems, p => p.Location == $"{labels}:5" && p.Message.Contains("'x' is not a number"));
    }

    [Fact]
    public void Malformed_yaml_names_the_line()
    {
        var yaml = Path.Combine(_root, "data.yaml");
        File.WriteAllText(yaml, "names: [a, b\ntrain: images\n  - oops: [\n");
        var error = Assert.Throws<SpotterException>(() => DatasetLoader.Load(yaml));
        Assert.Matches(@"data\.yaml:\d+: malformed YAML", error.Message);
    }
}
