using Spotter.Data.Formats;

namespace Spotter.Tests.Data;

public sealed class DatasetFolderTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("spotter-folder-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Touch(string relative)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "x");
        return path;
    }

    [Fact]
    public void Lists_files_recursively_in_a_stable_order_without_hidden_folders()
    {
        Touch("b/2.txt");
        Touch("a/1.txt");
        Touch("0.txt");
        Touch(".git/config");

        var folder = DatasetFolder.List(_root);

        Assert.Equal(["0.txt", "a/1.txt", "b/2.txt"], folder.Files.Select(f => Path.GetRelativePath(_root, f)).ToArray());
        Assert.Empty(folder.Skipped);
    }

    [Fact]
    public void Directory_links_into_folders_already_read_are_skipped_and_reported()
    {
        Touch("images/train/a.jpg");
        Directory.CreateSymbolicLink(Path.Combine(_root, "images", "train", "self"), ".");
        Directory.CreateSymbolicLink(Path.Combine(_root, "images", "train", "up"), "..");

        var folder = DatasetFolder.List(_root);

        Assert.Equal(["images/train/a.jpg"], folder.Files.Select(f => Path.GetRelativePath(_root, f)).ToArray());
        Assert.Equal(2, folder.Skipped.Count);
        Assert.All(folder.Skipped, s => Assert.Contains("already read", s.Message));
    }

    [Fact]
    public void A_link_to_a_folder_outside_is_followed_once()
    {
        var outside = Directory.CreateTempSubdirectory("spotter-outside-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(outside, "x.jpg"), "x");
            Directory.CreateSymbolicLink(Path.Combine(_root, "images"), outside);
            Directory.CreateSymbolicLink(Path.Combine(_root, "again"), outside);

            var folder = DatasetFolder.List(_root);

            Assert.Equal([Path.Combine("again", "x.jpg")], folder.Files.Select(f => Path.GetRelativePath(_root, f)).ToArray());
            Assert.Single(folder.Skipped);
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    [Fact]
    public void File_links_that_loop_or_lead_nowhere_are_skipped_and_reported()
    {
        Touch("Annotations/a.xml");
        File.CreateSymbolicLink(Path.Combine(_root, "Annotations", "loop.xml"), "loop.xml");
        File.CreateSymbolicLink(Path.Combine(_root, "Annotations", "gone.xml"), "missing.xml");

        var folder = DatasetFolder.List(_root);

        Assert.Equal(["Annotations/a.xml"], folder.Files.Select(f => Path.GetRelativePath(_root, f)).ToArray());
        Assert.Equal(["gone.xml", "loop.xml"], folder.Skipped.Select(s => Path.GetFileName(s.Path)).Order().ToArray());
    }
}
