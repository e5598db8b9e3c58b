using Spotter.Boxes;
using Spotter.Data;
using Spotter.Data.Formats;

namespace Spotter.Tests.Data;

public sealed class CocoReaderTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("spotter-coco-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Json => Path.Combine(_root, "instances.json");

    private void WriteCoco()
    {
        Directory.CreateDirectory(Path.Combine(_root, "images"));
        Fixtures.WriteImage(Path.Combine(_root, "images", "one.jpg"), 100, 100);
        Fixtures.WriteImage(Path.Combine(_root, "images", "two.jpg"), 50, 40);
        File.WriteAllText(Json, """
        {
          "images": [
            {"id": 3, "file_name": "one.jpg", "width": 100, "height": 100},
            {"id": 8, "file_name": "two.jpg", "width": 50, "height": 40}
          ],
          "annotations": [
            {"id": 1, "image_id": 3, "category_id": 90, "bbox": [10, 20, 30, 40], "iscrowd": 0},
            {"id": 2, "image_id": 3, "category_id": 1, "bbox": [0, 0, 100, 100], "iscrowd": 1},
            {"id": 3, "image_id": 3, "category_id": 7, "bbox": [5, 5, 10, 10], "iscrowd": 0, "ignore": 1},
            {"id": 4, "image_id": 3, "category_id": 55, "bbox": [5, 5, 10, 10], "iscrowd": 0}
          ],
          "categories": [
            {"id": 90, "name": "toothbrush"}, {"id": 1, "name": "person"}, {"id": 7, "name": "train"}
          ]
        }
        """);
    }

    [Fact]
    public void Keeps_non_contiguous_category_ids_crowd_flags_and_images_without_objects()
    {
        WriteCoco();
        var dataset = DatasetLoader.Load(Json);
        Assert.Equal("coco", dataset.Format);
        Assert.Equal(["person", "train", "toothbrush"], dataset.Classes);
        Assert.Equal([1, 7, 90], dataset.CategoryIds);
        var one = dataset.Images.Single(i => i.Id == "3");
        Assert.Equal(2, one.Objects.Count); // the ignored one and the unknown category are left out
        Assert.Equal(new Box(10, 20, 40, 60), one.Objects[0].Box);
        Assert.Equal(2, one.Objects[0].ClassIndex);
        Assert.True(one.Objects[1].Crowd);
        Assert.Empty(dataset.Images.Single(i => i.Id == "8").Objects);
        Assert.Contains(dataset.Problems, p => p.Message.Contains("unknown category_id 55") && p.Location.Contains("annotation 4"));
    }

    [Fact]
    public void Category_ids_survive_writing_and_reading_back()
    {
        WriteCoco();
        var dataset = DatasetLoader.Load(Json);
        var written = DatasetWriter.Write(dataset, "coco", Path.Combine(_root, "out"));
        var again = DatasetLoader.Load(written);
        Assert.Equal(dataset.CategoryIds, again.CategoryIds);
        Assert.Equal(dataset.Images.SelectMany(i => i.Objects), again.Images.SelectMany(i => i.Objects));
    }

    [Fact]
    public void Malformed_json_names_the_line()
    {
        File.WriteAllText(Json, "{\n  \"images\": [\n    {\"id\": 1,,}\n  ]\n}\n");
        var error = Assert.Throws<SpotterException>(() => DatasetLoader.Load(Json));
        Assert.StartsWith($"{Json}:3: malformed JSON", error.Message);
    }
}
