using SkiaSharp;
using Spotter.Boxes;
using Spotter.Data;
using Spotter.Data.Formats;

namespace Spotter.Tests.Data;

public sealed class VocReaderTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("spotter-voc-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void Annotation(string id, string xml) => File.WriteAllText(Path.Combine(_root, "Annotations", id + ".xml"), xml);

    private void Image(string fileName, int width, int height, SKEncodedImageFormat format = SKEncodedImageFormat.Jpeg) =>
        Fixtures.WriteImage(Path.Combine(_root, "JPEGImages", fileName), width, height, format);

    public VocReaderTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "Annotations"));
        Directory.CreateDirectory(Path.Combine(_root, "JPEGImages"));
    }

    [Fact]
    public void Reads_boxes_classes_and_splits_of_a_devkit_layout()
    {
        Image("a.jpg", 100, 80);
        Image("b.jpg", 60, 60);
        Annotation("a", Fixtures.VocXml("a.jpg", 100, 80, ("dog", 11, 21, 50, 60), ("cat", 1, 1, 100, 80)));
        Annotation("b", Fixtures.VocXml("b.jpg", 60, 60, ("cat", 5, 5, 10, 10)));
        Directory.CreateDirectory(Path.Combine(_root, "ImageSets", "Main"));
        File.WriteAllText(Path.Combine(_root, "ImageSets", "Main", "train.txt"), "a\n");
        File.WriteAllText(Path.Combine(_root, "ImageSets", "Main", "test.txt"), "b\n");

        var dataset = VocReader.Read(_root);

        Assert.Equal(["cat", "dog"], dataset.Classes);
        var a = dataset.Images.Single(i => i.Id == "a");
        Assert.Equal(new Box(10, 20, 50, 60), a.Objects[0].Box);
        Assert.Equal(1, a.Objects[0].ClassIndex);
        Assert.Equal(new Box(0, 0, 100, 80), a.Largest!.Box);
        Assert.Equal(["a"], dataset.Splits["train"]);
        Assert.Equal("b", dataset.Split("test").Single().Id);
        Assert.Empty(dataset.Problems);
    }

    [Fact]
    public void Resolves_images_by_file_name_never_by_path_and_finds_pngs_named_jpg()
    {
        Image("x.jpg", 30, 20, SKEncodedImageFormat.Png);
        Annotation("x", Fixtures.VocXml("x.jpg", 30, 20, ("cat", 2, 2, 10, 10)));
        var image = VocReader.Read(_root).Images.Single();
        Assert.Equal(Path.Combine(_root, "JPEGImages", "x.jpg"), image.Path);
    }

    [Fact]
    public void A_zero_width_in_the_xml_takes_the_image_size_and_says_so()
    {
        Image("z.jpg", 64, 48);
        Annotation("z", Fixtures.VocXml("z.jpg", 0, 0, ("cat", 2, 2, 10, 10)));
        var dataset = VocReader.Read(_root);
        Assert.Equal((64, 48), (dataset.Images[0].Width, dataset.Images[0].Height));
        Assert.Contains(dataset.Problems, p => p.Message.Contains("using the image's 64x48"));
    }

    [Fact]
    public void Bad_boxes_are_dropped_or_clipped_with_their_file_and_line()
    {
        Image("o.jpg", 50, 50);
        Annotation("o", Fixtures.VocXml("o.jpg", 50, 50,
            ("cat", 5, 5, 20, 20),     // fine
            ("cat", 30, 30, 30, 30),   // zero size as drawn
            ("cat", 60, 60, 90, 90),   // wholly outside
            ("cat", 40, 40, 80, 80))); // partly outside: clipped
        var dataset = VocReader.Read(_root);
        var objects = dataset.Images.Single().Objects;
        Assert.Equal(2, objects.Count);
        Assert.Equal(new Box(39, 39, 50, 50), objects[1].Box);
        var file = Path.Combine(_root, "Annotations", "o.xml");
        Assert.Contains(dataset.Problems, p => p.Location == $"{file}:7" && p.Message.Contains("zero-size"));
        Assert.Contains(dataset.Problems, p => p.Location == $"{file}:8" && p.Message.Contains("outside"));
        Assert.Contains(dataset.Problems, p => p.Location == $"{file}:9" && p.Message.Contains("clipped"));
    }

    [Fact]
    public void Malformed_xml_is_reported_with_its_line_and_the_rest_still_loads()
    {
        Image("good.jpg", 40, 40);
        Image("bad.jpg", 40, 40);
        Annotation("good", Fixtures.VocXml("good.jpg", 40, 40, ("cat", 2, 2, 10, 10)));
        Annotation("bad", "<annotation>\n  <filename>bad.jpg</filename>\n  <object><name>cat</name>\n</annotation>\n");
        var dataset = VocReader.Read(_root);
        Assert.Single(dataset.Images);
        var problem = Assert.Single(dataset.Problems);
        Assert.StartsWith(Path.Combine(_root, "Annotations", "bad.xml") + ":4", problem.Location);
        Assert.Contains("malformed XML", problem.Message);
    }

    [Fact]
    public void A_missing_image_is_reported_and_skipped()
    {
        Annotation("ghost", Fixtures.VocXml("ghost.jpg", 40, 40, ("cat", 2, 2, 10, 10)));
        Image("real.jpg", 40, 40);
        Annotation("real", Fixtures.VocXml("real.jpg", 40, 40, ("cat", 2, 2, 10, 10)));
        var dataset = VocReader.Read(_root);
        Assert.Equal("real", dataset.Images.Single().Id);
        Assert.Contains(dataset.Problems, p => p.Message.Contains("'ghost.jpg' not found"));
    }

    [Fact]
    public void A_flat_layout_with_annotations_and_images_folders_reads()
    {
        var flat = Path.Combine(_root, "flat");
        Directory.CreateDirectory(Path.Combine(flat, "annotations"));
        Directory.CreateDirectory(Path.Combine(flat, "images"));
        Fixtures.WriteImage(Path.Combine(flat, "images", "r1.jpg"), 80, 60);
        File.WriteAllText(Path.Combine(flat, "annotations", "r1.xml"), Fixtures.VocXml("r1.jpg", 80, 60, ("raccoon", 10, 10, 70, 50)));
        var dataset = DatasetLoader.Load(flat);
        Assert.Equal("voc", dataset.Format);
        Assert.Equal(["raccoon"], dataset.Classes);
        Assert.Single(dataset.Images.Single().Objects);
    }
}
