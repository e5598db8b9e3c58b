using Spotter.Tests.Data;

namespace Spotter.Tests.Cli;

public sealed class DataCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("spotter-cli-data-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static (int Code, string Output, string Error) Run(params string[] args) => CliRunner.Run(args);

    private string SmallVoc()
    {
        var voc = Path.Combine(_root, "voc");
        Directory.CreateDirectory(Path.Combine(voc, "Annotations"));
        Directory.CreateDirectory(Path.Combine(voc, "JPEGImages"));
        Fixtures.WriteImage(Path.Combine(voc, "JPEGImages", "cells.jpg"), 120, 90);
        File.WriteAllText(Path.Combine(voc, "Annotations", "cells.xml"),
            Fixtures.VocXml("cells.jpg", 120, 90, ("RBC", 10, 10, 40, 40), ("RBC", 50, 50, 50, 50), ("WBC", 60, 20, 110, 80)));
        return voc;
    }

    [Fact]
    public void Check_lists_counts_and_names_the_bad_box_and_exits_zero()
    {
        var (code, output, _) = Run("data", "check", SmallVoc());
        Assert.Equal(0, code);
        Assert.Matches(@"RBC\s+1\s+1", output);
        Assert.Matches(@"WBC\s+1\s+1", output);
        Assert.Contains("cells.xml:7: zero-size box", output);
    }

    [Fact]
    public void Check_of_a_dataset_with_nothing_usable_exits_one()
    {
        var voc = Path.Combine(_root, "broken");
        Directory.CreateDirectory(Path.Combine(voc, "Annotations"));
        File.WriteAllText(Path.Combine(voc, "Annotations", "a.xml"), "<annotation><filename>a.jpg</filename>");
        var (code, output, error) = Run("data", "check", voc);
        Assert.Equal(1, code);
        Assert.Contains("malformed XML", output);
        Assert.Contains("not usable", error);
    }

    [Theory]
    [InlineData("data", "check", "/no/such/dataset")]
    [InlineData("data", "show", "/no/such/dataset", "--out", "/tmp/never.png")]
    public void A_missing_dataset_gives_one_line_and_exit_one(params string[] args)
    {
        var (code, _, error) = Run(args);
        Assert.Equal(1, code);
        Assert.Equal("spotter: /no/such/dataset: no such file or folder", error.Trim());
    }

    [Fact]
    public void Convert_writes_yolo_and_refuses_a_non_empty_target()
    {
        var voc = SmallVoc();
        var target = Path.Combine(_root, "yolo");
        var (code, output, _) = Run("data", "convert", voc, "--to", "yolo", "--out", target);
        Assert.Equal(0, code);
        Assert.Contains("Wrote 1 images, 2 objects, 2 classes as yolo", output);
        Assert.True(File.Exists(Path.Combine(target, "data.yaml")));

        var (again, _, error) = Run("data", "convert", voc, "--to", "yolo", "--out", target);
        Assert.Equal(1, again);
        Assert.Contains("not empty", error);
    }

    [Fact]
    public void Convert_to_yolo_of_a_set_without_splits_writes_a_held_out_val_split()
    {
        var voc = Path.Combine(_root, "unsplit");
        Directory.CreateDirectory(Path.Combine(voc, "Annotations"));
        Directory.CreateDirectory(Path.Combine(voc, "JPEGImages"));
        for (var i = 0; i < 10; i++)
        {
            Fixtures.WriteImage(Path.Combine(voc, "JPEGImages", $"p{i}.jpg"), 40, 30);
            File.WriteAllText(Path.Combine(voc, "Annotations", $"p{i}.xml"), Fixtures.VocXml($"p{i}.jpg", 40, 30, ("cell", 2, 2, 20, 20)));
        }
        var target = Path.Combine(_root, "yolo-split");

        var (code, _, error) = Run("data", "convert", voc, "--to", "yolo", "--out", target);
        var converted = Spotter.Data.DatasetLoader.Load(target);

        Assert.True(code == 0, error);
        Assert.Equal((8, 2), (converted.Splits["train"].Count, converted.Splits["val"].Count));
        Assert.Empty(converted.Splits["train"].Intersect(converted.Splits["val"]));
        var original = Spotter.Data.DatasetLoader.Load(voc);
        Assert.Equal(Spotter.Data.DatasetSplits.Select(original, "val").Select(i => Path.GetFileName(i.Path)).Order(),
            converted.Split("val").Select(i => Path.GetFileName(i.Path)).Order());
    }

    [Fact]
    public void A_coco_conversion_read_back_by_its_folder_has_the_splits_and_each_image_once()
    {
        var voc = Path.Combine(_root, "split");
        Directory.CreateDirectory(Path.Combine(voc, "Annotations"));
        Directory.CreateDirectory(Path.Combine(voc, "JPEGImages"));
        Directory.CreateDirectory(Path.Combine(voc, "ImageSets", "Main"));
        for (var i = 0; i < 4; i++)
        {
            Fixtures.WriteImage(Path.Combine(voc, "JPEGImages", $"p{i}.jpg"), 40, 30);
            File.WriteAllText(Path.Combine(voc, "Annotations", $"p{i}.xml"), Fixtures.VocXml($"p{i}.jpg", 40, 30, ("cell", 2, 2, 20, 20)));
        }
        File.WriteAllText(Path.Combine(voc, "ImageSets", "Main", "train.txt"), "p0\np1\n");
        File.WriteAllText(Path.Combine(voc, "ImageSets", "Main", "val.txt"), "p2\n");
        File.WriteAllText(Path.Combine(voc, "ImageSets", "Main", "trainval.txt"), "p0\np1\np2\n");
        File.WriteAllText(Path.Combine(voc, "ImageSets", "Main", "test.txt"), "p3\n");
        var target = Path.Combine(_root, "coco-split");

        Assert.Equal(0, Run("data", "convert", voc, "--to", "coco", "--out", target).Code);
        var converted = Spotter.Data.DatasetLoader.Load(target);

        Assert.Equal(4, converted.Images.Count);
        Assert.Equal(new Dictionary<string, int> { ["train"] = 2, ["val"] = 1, ["trainval"] = 3, ["test"] = 1 },
            converted.Splits.ToDictionary(s => s.Key, s => s.Value.Count));
    }

    [Fact]
    public void Check_with_sizes_prints_anchor_coverage_for_the_anchor_settings_given()
    {
        var voc = Path.Combine(_root, "tiny-boxes");
        Directory.CreateDirectory(Path.Combine(voc, "Annotations"));
        Directory.CreateDirectory(Path.Combine(voc, "JPEGImages"));
        Fixtures.WriteImage(Path.Combine(voc, "JPEGImages", "a.jpg"), 640, 640);
        // A 6 x 6 box in a 640 px photo is 2 x 2 px at a 224 px input: no anchor can reach it.
        File.WriteAllText(Path.Combine(voc, "Annotations", "a.xml"), Fixtures.VocXml("a.jpg", 640, 640, ("dot", 101, 101, 106, 106), ("cell", 1, 1, 320, 320)));

        var (code, output, error) = CliRunner.Run("data", "check", voc, "--size", "224");
        var (other, otherOutput, _) = CliRunner.Run("data", "check", voc, "--size", "224", "--positive-iou", "0.45");

        Assert.True(code == 0, error);
        Assert.Contains("Anchor coverage at 224x224", output);
        Assert.Matches(@"dot\s+0/1\s+0 %", output);
        Assert.Contains("advice:", output);
        Assert.Equal(0, other);
        Assert.Contains("IoU >= 0.45", otherOutput);
        Assert.Matches(@"cell\s+-\s+-\s+1/1\s+100 %", output);
    }

    [Fact]
    public void Show_writes_a_png_grid()
    {
        var png = Path.Combine(_root, "grid.png");
        var (code, output, _) = Run("data", "show", SmallVoc(), "--out", png, "--largest");
        Assert.Equal(0, code);
        Assert.Contains("1 images, 1 boxes", output);
        Assert.Equal("png", Spotter.Data.ImageFile.Probe(png).Format);
    }

    [Fact]
    public void Show_with_augment_draws_the_training_views_at_the_input_size()
    {
        var png = Path.Combine(_root, "views.png");
        var (code, output, error) = Run("data", "show", SmallVoc(), "--out", png, "--augment", "--size", "64");
        Assert.True(code == 0, error);
        // One square 64 px view (the zero-size box is dropped when the dataset is read), in a 320 px tile.
        Assert.Contains("1 training views, 2 boxes (332x350 px)", output);
        Assert.Equal("png", Spotter.Data.ImageFile.Probe(png).Format);

        // Pastes need a neighbour, and a mosaic's images are drawn from the pool: both run on a one-image set.
        (code, output, error) = Run("data", "show", SmallVoc(), "--out", png, "--augment", "--size", "64", "--zoom", "1.5", "--mosaic", "1", "--copy-paste", "1");
        Assert.True(code == 0, error);
        Assert.Contains("1 training views", output);
    }

    [Theory]
    [InlineData("spotter: --mosaic, --copy-paste: for the training views of --augment; give --augment too", "--mosaic", "0.5", "--copy-paste", "0.5")]
    [InlineData("spotter: --mosaic is for --task detect; a mosaic holds several objects, and a largest-object model predicts one", "--augment", "--largest", "--mosaic", "0.5")]
    [InlineData("spotter: --size must be a multiple of 32 (the body's stride), got 50", "--augment", "--size", "50")]
    [InlineData("spotter: --copy-paste must be between 0 and 1, got 2", "--augment", "--copy-paste", "2")]
    public void Show_refuses_augmentation_options_that_cannot_apply_in_one_line(string expected, params string[] options)
    {
        var png = Path.Combine(_root, "refused.png");
        var (code, _, error) = Run(["data", "show", SmallVoc(), "--out", png, .. options]);
        Assert.Equal(1, code);
        Assert.Equal(expected, error.Trim());
        Assert.False(File.Exists(png));
    }
}
