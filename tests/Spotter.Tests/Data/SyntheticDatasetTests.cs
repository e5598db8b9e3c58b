using Spotter.Data;
using Spotter.Data.Formats;
using Spotter.Data.Synthetic;

namespace Spotter.Tests.Data;

public sealed class SyntheticDatasetTests : IDisposable
{
    private readonly string _cache = Directory.CreateTempSubdirectory("spotter-synthetic-").FullName;

    public void Dispose() => Directory.Delete(_cache, recursive: true);

    [Fact]
    public void Same_seed_same_scenes_other_seed_other_scenes()
    {
        var a = SyntheticDataset.Load(new SyntheticOptions(Count: 12, Size: 128, Seed: 1), _cache);
        var again = SyntheticDataset.Load(new SyntheticOptions(Count: 12, Size: 128, Seed: 1), Path.Combine(_cache, "second"));
        var other = SyntheticDataset.Load(new SyntheticOptions(Count: 12, Size: 128, Seed: 2), _cache);
        Assert.Equal(a.Images.SelectMany(i => i.Objects), again.Images.SelectMany(i => i.Objects));
        Assert.NotEqual(a.Images.SelectMany(i => i.Objects), other.Images.SelectMany(i => i.Objects));
        Assert.Equal(File.ReadAllBytes(a.Images[3].Path), File.ReadAllBytes(again.Images[3].Path));
    }

    [Fact]
    public void Scenes_have_several_classes_whole_pixel_boxes_inside_the_image_and_splits()
    {
        var dataset = SyntheticDataset.Load(new SyntheticOptions(Count: 40, Size: 160, Seed: 3), _cache);
        Assert.Equal(5, dataset.Classes.Count);
        Assert.Empty(dataset.Problems);
        var objects = dataset.Images.SelectMany(i => i.Objects).ToList();
        Assert.True(objects.Count >= 40, "at least one object per image");
        Assert.Equal(5, objects.Select(o => o.ClassIndex).Distinct().Count());
        Assert.All(objects, o =>
        {
            Assert.True(o.Box.HasArea && o.Box.IsInside(160, 160));
            Assert.Equal(MathF.Round(o.Box.X1), o.Box.X1);
            Assert.Equal(MathF.Round(o.Box.Y2), o.Box.Y2);
        });
        Assert.Contains(objects, o => o.Box.Width < 24);  // small ones
        Assert.Contains(objects, o => o.Box.Width > 50);  // and large ones
        Assert.Equal(28, dataset.Splits["train"].Count);
        Assert.Equal(6, dataset.Splits["val"].Count);
        Assert.Equal(6, dataset.Splits["test"].Count);
    }

    [Fact]
    public void Every_format_round_trips_every_box()
    {
        var source = SyntheticDataset.Load(new SyntheticOptions(Count: 10, Size: 128, Seed: 4), _cache);
        var coco = DatasetLoader.Load(DatasetWriter.Write(source, "coco", Path.Combine(_cache, "coco")));
        var yolo = DatasetLoader.Load(DatasetWriter.Write(coco, "yolo", Path.Combine(_cache, "yolo")));
        var voc = DatasetLoader.Load(DatasetWriter.Write(yolo, "voc", Path.Combine(_cache, "voc")));

        static Dictionary<string, string> BoxesByFile(Dataset d) => d.Images.ToDictionary(
            i => Path.GetFileName(i.Path),
            i => string.Join(";", i.Objects.Select(o => $"{d.Classes[o.ClassIndex]} {o.Box}").Order()));
        var expected = BoxesByFile(source);
        Assert.Equal(expected, BoxesByFile(coco));
        Assert.Equal(expected, BoxesByFile(yolo));
        Assert.Equal(expected, BoxesByFile(voc));
    }

    [Fact]
    public void Converting_into_a_non_empty_folder_is_refused_and_changes_nothing()
    {
        var source = SyntheticDataset.Load(new SyntheticOptions(Count: 3, Size: 96, Seed: 5), _cache);
        var target = Directory.CreateDirectory(Path.Combine(_cache, "occupied")).FullName;
        File.WriteAllText(Path.Combine(target, "keep.txt"), "mine");
        var error = Assert.Throws<SpotterException>(() => DatasetWriter.Write(source, "voc", target));
        Assert.Contains("not empty", error.Message);
        Assert.Equal(["keep.txt"], Directory.GetFileSystemEntries(target).Select(Path.GetFileName));
    }

    [Fact]
    public void Small_object_scenes_are_large_jpegs_with_many_objects_of_12_to_30_pixels()
    {
        var options = SyntheticOptions.Parse("synthetic:count=3,size=768,seed=6,objects=small");
        Assert.True(options.SmallObjects);

        var dataset = SyntheticDataset.Load(options, _cache);

        Assert.All(dataset.Images, i => Assert.EndsWith(".jpg", i.Path));
        Assert.All(dataset.Images, i => Assert.InRange(i.Objects.Count, 3, 12)); // 0.6-1.2 per 256 x 256: 5-11
        Assert.All(dataset.Images.SelectMany(i => i.Objects), o =>
        {
            Assert.True(o.Box.IsInside(768, 768));
            Assert.InRange(Math.Max(o.Box.Width, o.Box.Height), 9, 40);  // 12-30 px, stretched by aspect 0.75-1.25 and turned
            Assert.True(o.Box.Area < Spotter.Boxes.Box.SmallArea * 1.6f);
        });
        var mixed = SyntheticDataset.Load(new SyntheticOptions(Count: 3, Size: 768, Seed: 6), _cache); // cached apart
        Assert.NotEqual(Path.GetDirectoryName(dataset.Images[0].Path), Path.GetDirectoryName(mixed.Images[0].Path));
    }

    [Theory]
    [InlineData("synthetic:objects=tiny")]
    [InlineData("synthetic:count=0")]
    [InlineData("synthetic:size=10")]
    [InlineData("synthetic:colour=red")]
    [InlineData("synthetic:many")]
    public void Bad_synthetic_options_are_refused(string spec)
    {
        Assert.Throws<SpotterException>(() => SyntheticOptions.Parse(spec));
    }
}

public sealed class DatasetSplitsTests
{
    [Fact]
    public void A_random_split_is_the_same_every_time_and_train_and_val_do_not_overlap()
    {
        var images = Enumerable.Range(0, 50).Select(i => new ImageRecord($"im{i}", $"im{i}.jpg", 10, 10, [])).ToList();
        var dataset = new Dataset("flat", "voc", ["a"], images);
        var train = DatasetSplits.Select(dataset, "train").Select(i => i.Id).ToList();
        var val = DatasetSplits.Select(dataset, "val").Select(i => i.Id).ToList();
        Assert.Equal(40, train.Count);
        Assert.Equal(10, val.Count);
        Assert.Empty(train.Intersect(val));
        Assert.Equal(val, DatasetSplits.Select(dataset, "val").Select(i => i.Id));
        Assert.Equal(val, DatasetSplits.Select(dataset, "test").Select(i => i.Id));
    }
}
