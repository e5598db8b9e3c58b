using System.Text.Json;
using Spotter.Data;
using Spotter.Tests.Cli;

namespace Spotter.Tests.Data;

/// <summary>Datasets laid out as labelling tools and dataset sites write them, each opened by its folder.</summary>
public sealed class DatasetLayoutTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("spotter-layout-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string At(string relative) => Path.Combine(_root, relative);

    private void Image(string relative, int width = 40, int height = 30)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(At(relative))!);
        Fixtures.WriteImage(At(relative), width, height);
    }

    private void Text(string relative, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(At(relative))!);
        File.WriteAllText(At(relative), text);
    }

    /// <summary>A COCO file with one 40x30 image per name (ids from 1), one "cell" box each.</summary>
    private void Coco(string relative, params string[] fileNames)
    {
        var json = new
        {
            images = fileNames.Select((n, i) => new { id = i + 1, file_name = n, width = 40, height = 30 }),
            annotations = fileNames.Select((_, i) => new { id = i + 1, image_id = i + 1, category_id = 3, bbox = new[] { 5, 5, 10, 10 }, iscrowd = 0 }),
            categories = new[] { new { id = 3, name = "cell" } },
        };
        Text(relative, JsonSerializer.Serialize(json));
    }

    private static Dictionary<string, int> SplitSizes(Dataset d) => d.Splits.ToDictionary(s => s.Key, s => s.Value.Count);

    [Fact]
    public void Coco_as_the_coco_site_ships_it_split_files_with_image_folders_beside_annotations()
    {
        Image("train2017/a.jpg");
        Image("train2017/b.jpg");
        Image("val2017/c.jpg");
        Coco("annotations/instances_train2017.json", "a.jpg", "b.jpg");
        Coco("annotations/instances_val2017.json", "c.jpg");

        var dataset = DatasetLoader.Load(_root);

        Assert.Equal("coco", dataset.Format);
        Assert.Equal(new Dictionary<string, int> { ["train"] = 2, ["val"] = 1 }, SplitSizes(dataset));
        Assert.Equal(3, dataset.Images.Count);
        Assert.Empty(dataset.Problems);
    }

    [Fact]
    public void Coco_from_cvat_instances_default_with_images_folder()
    {
        Image("images/a.jpg");
        Image("images/b.jpg");
        Coco("annotations/instances_default.json", "a.jpg", "b.jpg");

        var dataset = DatasetLoader.Load(_root);

        Assert.Equal(2, dataset.Images.Count(i => i.Objects.Count == 1));
        Assert.Empty(dataset.Splits);
        Assert.Empty(dataset.Problems);
    }

    [Fact]
    public void Coco_from_roboflow_one_folder_per_split()
    {
        foreach (var split in new[] { "train", "valid", "test" })
        {
            Image($"{split}/x.jpg");
            Image($"{split}/y.jpg");
            Coco($"{split}/_annotations.coco.json", "x.jpg", "y.jpg");
        }
        Text("README.roboflow.txt", "exported");

        var dataset = DatasetLoader.Load(_root);

        Assert.Equal(new Dictionary<string, int> { ["train"] = 2, ["val"] = 2, ["test"] = 2 }, SplitSizes(dataset));
        Assert.Equal(6, dataset.Images.Select(i => i.Path).Distinct().Count());
        Assert.Equal(2, DatasetSplits.Select(dataset, "valid").Count);
    }

    [Fact]
    public void Coco_from_label_studio_result_json_with_images_folder_names()
    {
        Image("images/0a1b-photo.jpg");
        Coco("result.json", "images/0a1b-photo.jpg");

        var dataset = DatasetLoader.Load(_root);

        Assert.Single(dataset.Images);
        Assert.Empty(dataset.Problems);
    }

    [Fact]
    public void Coco_images_that_cannot_be_found_give_one_line_naming_where_it_looked_and_images_fixes_it()
    {
        Image("elsewhere/a.jpg");
        Image("elsewhere/b.jpg");
        Coco("labels.json", "a.jpg", "b.jpg");

        var broken = DatasetLoader.Load(At("labels.json"));
        var fixedUp = DatasetLoader.Load(At("labels.json"), At("elsewhere"));

        var problem = Assert.Single(broken.Problems);
        Assert.True(problem.Fatal);
        Assert.Contains("none of its 2 images were found", problem.Message);
        Assert.Contains("--images", problem.Message);
        Assert.Equal(2, fixedUp.Images.Count);
    }

    [Fact]
    public void Voc_with_annots_folder_beside_images()
    {
        Image("images/p1.jpg");
        Image("images/p2.jpg");
        Text("annots/p1.xml", Fixtures.VocXml("p1.jpg", 40, 30, ("cat", 2, 2, 20, 20)));
        Text("annots/p2.xml", Fixtures.VocXml("p2.jpg", 40, 30, ("dog", 2, 2, 20, 20)));

        var dataset = DatasetLoader.Load(_root);

        Assert.Equal("voc", dataset.Format);
        Assert.Equal(["cat", "dog"], dataset.Classes);
        Assert.Equal(2, dataset.Images.Count);
        Assert.Empty(dataset.Problems);
    }

    [Fact]
    public void Voc_from_roboflow_split_folders_with_xml_beside_images_and_repeated_names()
    {
        var widths = new Dictionary<string, int> { ["train"] = 41, ["valid"] = 42, ["test"] = 43 };
        foreach (var (split, width) in widths)
        {
            Image($"{split}/same.jpg", width, 30);
            Text($"{split}/same.xml", Fixtures.VocXml("same.jpg", width, 30, ("cat", 2, 2, 20, 20)));
        }

        var dataset = DatasetLoader.Load(_root);

        Assert.Equal(new Dictionary<string, int> { ["train"] = 1, ["val"] = 1, ["test"] = 1 }, SplitSizes(dataset));
        // Each annotation found the image in its own folder (the sizes differ by split).
        Assert.All(dataset.Images, i => Assert.Equal(widths[i.Id.Split('/')[0]], i.Width));
        Assert.All(dataset.Images, i => Assert.Equal(widths[i.Id.Split('/')[0]], ImageFile.Probe(i.Path).Width));
        Assert.Empty(dataset.Problems);
    }

    [Fact]
    public void Yolo_from_roboflow_data_yaml_with_parent_relative_paths()
    {
        foreach (var split in new[] { "train", "valid" })
        {
            Image($"{split}/images/{split}1.jpg");
            Text($"{split}/labels/{split}1.txt", "0 0.5 0.5 0.25 0.25\n");
        }
        Text("data.yaml", "train: ../train/images\nval: ../valid/images\nnc: 1\nnames: ['cell']\n");

        var dataset = DatasetLoader.Load(_root);

        Assert.Equal(new Dictionary<string, int> { ["train"] = 1, ["val"] = 1 }, SplitSizes(dataset));
        Assert.All(dataset.Images, i => Assert.Single(i.Objects));
    }

    [Fact]
    public void Yolo_data_yaml_with_absolute_paths_from_another_machine()
    {
        Image("train/images/a.jpg");
        Text("train/labels/a.txt", "0 0.5 0.5 0.25 0.25\n");
        Text("data.yaml", "train: /content/datasets/cells-3/train/images\nval: /content/datasets/cells-3/train/images\nnames: ['cell']\n");

        var dataset = DatasetLoader.Load(_root);

        Assert.Single(dataset.Images);
        Assert.Single(dataset.Splits["train"]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Yolo_from_labelimg_classes_txt_with_labels_beside_images_or_in_labels(bool labelsFolder)
    {
        Image("images/a.jpg");
        Image("images/b.jpg");
        Text("classes.txt", "dog\ncat\n");
        var labels = labelsFolder ? "labels" : "images";
        Text($"{labels}/a.txt", "1 0.5 0.5 0.25 0.25\n");
        Text($"{labels}/b.txt", "0 0.5 0.5 0.25 0.25\n0 0.2 0.2 0.1 0.1\n");

        var dataset = DatasetLoader.Load(_root);

        Assert.Equal("yolo", dataset.Format);
        Assert.Equal(["dog", "cat"], dataset.Classes);
        Assert.Equal([1, 2], dataset.Images.OrderBy(i => i.Id).Select(i => i.Objects.Count).ToArray());
        Assert.Equal(1, dataset.Images.Single(i => i.Id.EndsWith('a')).Objects[0].ClassIndex);
    }

    [Fact]
    public void A_folder_with_two_datasets_names_both_and_a_prefix_chooses()
    {
        Image("images/a.jpg");
        Text("annotations/a.xml", Fixtures.VocXml("a.jpg", 40, 30, ("cat", 2, 2, 20, 20)));
        Coco("annotations/instances_default.json", "a.jpg");

        var error = Assert.Throws<SpotterException>(() => DatasetLoader.Load(_root));
        var voc = DatasetLoader.Load("voc:" + _root);
        var coco = DatasetLoader.Load("coco:" + _root);

        Assert.Contains("more than one dataset", error.Message);
        Assert.Contains("voc:" + _root, error.Message);
        Assert.Contains("coco:" + _root, error.Message);
        Assert.Equal(["voc", "coco"], new[] { voc.Format, coco.Format });
    }

    [Fact]
    public void A_split_of_train_only_is_divided_so_validation_never_sees_training_images()
    {
        for (var i = 0; i < 10; i++) Image($"train/{i}.jpg");
        Coco("train/_annotations.coco.json", Enumerable.Range(0, 10).Select(i => $"{i}.jpg").ToArray());

        var dataset = DatasetLoader.Load(_root);
        var train = DatasetSplits.Select(dataset, "train");
        var val = DatasetSplits.Select(dataset, "val");

        Assert.Equal((8, 2), (train.Count, val.Count));
        Assert.Empty(train.Select(i => i.Id).Intersect(val.Select(i => i.Id)));
    }

    [Fact]
    public void Data_check_groups_repeated_problems_and_all_lists_them()
    {
        Image("images/a.jpg");
        Coco("labels.json", ["a.jpg", .. Enumerable.Range(0, 10).Select(i => $"missing{i}.jpg")]);

        var grouped = CliRunner.Run("data", "check", At("labels.json"));
        var all = CliRunner.Run("data", "check", At("labels.json"), "--all");

        Assert.Equal(0, grouped.Code);
        Assert.Equal(3, grouped.Output.Split('\n').Count(l => l.Contains("not found; image skipped")));
        Assert.Contains("... and 7 more like the one above", grouped.Output);
        Assert.Contains("--all", grouped.Output);
        Assert.Equal(10, all.Output.Split('\n').Count(l => l.Contains("not found; image skipped")));
    }

    [Fact]
    public void Two_dataset_arguments_are_the_same_data_when_they_name_the_same_scenes_or_the_same_folder()
    {
        Text("set/labels.json", "{}");
        Assert.True(DatasetLoader.SameData("synthetic", "synthetic:count=1000"));
        Assert.True(DatasetLoader.SameData("synthetic:1000", "synthetic:seed=0,size=256"));
        Assert.False(DatasetLoader.SameData("synthetic", "synthetic:count=200"));
        Assert.False(DatasetLoader.SameData("synthetic", At("set")));
        Assert.True(DatasetLoader.SameData(At("set"), "coco:" + At("set") + Path.DirectorySeparatorChar));
        Assert.False(DatasetLoader.SameData(At("set"), At("set/labels.json")));
        Assert.False(DatasetLoader.SameData(At("gone"), At("gone/")));
    }
}
