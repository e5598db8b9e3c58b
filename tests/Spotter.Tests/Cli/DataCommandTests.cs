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
    public void Show_writes_a_png_grid()
    {
        var png = Path.Combine(_root, "grid.png");
        var (code, output, _) = Run("data", "show", SmallVoc(), "--out", png, "--largest");
        Assert.Equal(0, code);
        Assert.Contains("1 images, 1 boxes", output);
        Assert.Equal("png", Spotter.Data.ImageFile.Probe(png).Format);
    }
}
