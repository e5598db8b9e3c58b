using Spotter.Boxes;
using Spotter.Data;

namespace Spotter.Tests.Data;

/// <summary>Splits given as files that list their images (raccoon's CSVs, VOC-style id lists).</summary>
public sealed class SplitListTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("spotter-split-list-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static ImageRecord Image(string id, string path) =>
        new(id, path, 100, 80, [new LabeledBox(0, new Box(10, 10, 50, 50))]);

    private Dataset Dataset(IReadOnlyList<DataProblem>? problems = null) => new(_root, "voc", ["raccoon"],
    [
        Image("raccoon-1", Path.Combine(_root, "images", "raccoon-1.jpg")),
        Image("raccoon-2", Path.Combine(_root, "images", "raccoon-2.jpg")),
        Image("raccoon-3", Path.Combine(_root, "images", "raccoon-3.jpg")),
        Image("train/cat", Path.Combine(_root, "train", "cat.jpg")),
        Image("valid/cat", Path.Combine(_root, "valid", "cat.jpg")),
    ], problems: problems);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_root, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    private static string[] Ids(IReadOnlyList<ImageRecord> images) => images.Select(i => i.Id).ToArray();

    [Fact]
    public void A_tensorflow_csv_names_each_image_once_in_its_order_by_its_filename_column()
    {
        var csv = Write("data/test_labels.csv",
            "width,filename,height,class,xmin,ymin,xmax,ymax\n" +
            "100,raccoon-3.jpg,80,raccoon,1,1,5,5\n" +
            "100,raccoon-1.jpg,80,raccoon,1,1,5,5\n" +
            "100,raccoon-3.jpg,80,raccoon,6,6,9,9\n" + // a second object of the same image
            "100,\"images/raccoon-2.jpg\",80,\"raccoon, masked\",1,1,5,5\n");

        Assert.Equal(["raccoon-3", "raccoon-1", "raccoon-2"], Ids(DatasetSplits.Select(Dataset(), csv)));
    }

    [Fact]
    public void A_text_list_takes_ids_file_names_and_paths_and_skips_comments_and_voc_flags()
    {
        var txt = Write("lists/held.txt", "# held out\n\nraccoon-2\nraccoon-1.jpg   1\n./valid/cat.jpg\n");

        Assert.Equal(["raccoon-2", "raccoon-1", "valid/cat"], Ids(DatasetSplits.Select(Dataset(), txt)));
    }

    [Fact]
    public void A_list_is_found_beside_the_dataset_when_not_in_the_working_folder()
    {
        Write("data/train_labels.csv", "filename\nraccoon-1.jpg\n");

        Assert.Equal(["raccoon-1"], Ids(DatasetSplits.Select(Dataset(), Path.Combine("data", "train_labels.csv"))));
    }

    [Fact]
    public void An_entry_that_names_no_image_or_two_is_refused_with_its_file_and_line()
    {
        var unknown = Write("unknown.txt", "raccoon-1\nraccoon-9\n");
        var message = Assert.Throws<SpotterException>(() => DatasetSplits.Select(Dataset(), unknown)).Message;
        Assert.Contains($"{unknown}:2: 'raccoon-9' is not an image", message);

        var ambiguous = Write("ambiguous.txt", "cat.jpg\n");
        Assert.Contains($"{ambiguous}:1: 'cat.jpg' matches more than one image",
            Assert.Throws<SpotterException>(() => DatasetSplits.Select(Dataset(), ambiguous)).Message);

        Assert.Contains("no such split file", Assert.Throws<SpotterException>(() => DatasetSplits.Select(Dataset(), "absent.csv")).Message);
        Assert.Contains("lists no images", Assert.Throws<SpotterException>(() => DatasetSplits.Select(Dataset(), Write("empty.csv", "filename\n"))).Message);
    }

    [Fact]
    public void An_image_the_dataset_dropped_with_a_reported_problem_is_skipped()
    {
        var list = Write("list.txt", "raccoon-1\nraccoon-7.jpg\n");
        var problems = new[] { new DataProblem(Path.Combine(_root, "annotations", "raccoon-7.xml"), "image 'raccoon-7.jpg' not found") };

        Assert.Equal(["raccoon-1"], Ids(DatasetSplits.Select(Dataset(problems), list)));
    }

    [Fact]
    public void Split_names_are_not_taken_for_files() =>
        Assert.Contains(".txt or .csv file", Assert.Throws<SpotterException>(() => DatasetSplits.Select(Dataset(), "holdout")).Message);
}
