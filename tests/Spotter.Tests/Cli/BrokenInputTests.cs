using System.Buffers.Binary;
using System.Text.Json;
using SkiaSharp;
using Spotter.Models;
using Spotter.Models.Ssd;
using Spotter.Tests.Data;
using Spotter.Tests.Training;

namespace Spotter.Tests.Cli;

/// <summary>
/// Broken input as users have it: each ends in one line naming the file (exit 1) or a warning and
/// a skip, never an internal error (exit 2), and leaves no half-made output behind.
/// </summary>
public sealed class BrokenInputTests(TrainingFixture fixture) : IClassFixture<TrainingFixture>, IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("spotter-broken-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string At(string relative) => Path.Combine(_root, relative);

    private string SaveModel()
    {
        var run = At("model");
        if (!Directory.Exists(run))
        {
            using var model = fixture.Detector(128, new DetectorOptions());
            ModelFile.Save(model, run);
        }
        return run;
    }

    /// <summary>A PNG whose header claims <paramref name="side"/> x <paramref name="side"/> pixels, with a token of data: a decompression bomb as the header sees it.</summary>
    private string Bomb(string relative, int side = 30000)
    {
        var path = At(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, side);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), side);
        header[8] = 8; // bit depth
        header[9] = 2; // RGB
        using var file = File.Create(path);
        file.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        Fixtures.WriteChunk(file, "IHDR", header);
        Fixtures.WriteChunk(file, "IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
        Fixtures.WriteChunk(file, "IEND", []);
        return path;
    }

    private string GoodImage(string relative)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(At(relative))!);
        Fixtures.WriteImage(At(relative), 60, 40);
        return At(relative);
    }

    private static void AssertOneLine(string error, string names)
    {
        Assert.Single(error.Trim().Split('\n'));
        Assert.Contains(names, error);
        Assert.DoesNotContain("internal error", error);
    }

    [Fact]
    public void Detect_skips_an_empty_or_fake_image_with_a_warning_and_keeps_the_rest()
    {
        GoodImage("photos/good.jpg");
        File.WriteAllBytes(At("photos/empty.jpg"), []);
        File.WriteAllText(At("photos/text.jpg"), "not an image");

        var (code, output, error) = CliRunner.Run("detect", SaveModel(), At("photos"), "--out", At("out"), "--device", "cpu");

        Assert.Equal(0, code);
        Assert.Contains("empty.jpg: not a readable image (the file is empty)", error);
        Assert.Contains("text.jpg: not a readable image", error);
        Assert.Contains("2 file(s) could not be read", output);
        using var json = JsonDocument.Parse(File.ReadAllText(At("out/detections.json")));
        Assert.Single(json.RootElement.EnumerateArray());
    }

    [Fact]
    public void Detect_warns_about_a_truncated_jpeg_and_still_detects_on_it()
    {
        GoodImage("photos/whole.jpg");
        using (var bitmap = Fixtures.TwoToneBitmap(320, 240, SKColors.SteelBlue, SKColors.Orange))
            Fixtures.WriteImage(At("photos/cut.jpg"), bitmap, SKEncodedImageFormat.Jpeg);
        var bytes = File.ReadAllBytes(At("photos/cut.jpg"));
        File.WriteAllBytes(At("photos/cut.jpg"), bytes[..(bytes.Length * 2 / 3)]); // the end of the scan and its EOI marker gone

        var (code, output, error) = CliRunner.Run("detect", SaveModel(), At("photos"), "--out", At("out"), "--device", "cpu");

        Assert.Equal(0, code);
        Assert.Contains("cut.jpg: the file is truncated", error);
        Assert.Single(error.Split('\n'), line => line.Contains("warning"));
        Assert.DoesNotContain("could not be read", output);
        using var json = JsonDocument.Parse(File.ReadAllText(At("out/detections.json")));
        Assert.Equal(2, json.RootElement.GetArrayLength());
    }

    [Fact]
    public void Detect_on_a_decompression_bomb_refuses_it_from_the_header_and_leaves_no_output_folder()
    {
        var bomb = Bomb("bomb.png");

        var (code, _, error) = CliRunner.Run("detect", SaveModel(), bomb, "--out", At("out"), "--device", "cpu");

        Assert.Equal(1, code);
        AssertOneLine(error, "bomb.png: the image is 30000x30000 (900 MP), over the 100 MP limit");
        Assert.False(Directory.Exists(At("out")), "a failed detect removes the folder it made");
    }

    [Fact]
    public void Detect_on_one_file_that_is_not_an_image_says_so_in_one_line_and_leaves_no_output_folder()
    {
        File.WriteAllText(At("text.jpg"), "not an image");

        var (code, _, error) = CliRunner.Run("detect", SaveModel(), At("text.jpg"), "--out", At("out"), "--device", "cpu");

        Assert.Equal(1, code);
        AssertOneLine(error, "text.jpg: not a readable image");
        Assert.DoesNotContain("warning", error);
        Assert.False(Directory.Exists(At("out")));
    }

    [Fact]
    public void Data_check_reports_a_bomb_and_data_show_draws_the_other_images()
    {
        GoodImage("voc/JPEGImages/good.jpg");
        Bomb("voc/JPEGImages/bomb.jpg");
        Directory.CreateDirectory(At("voc/Annotations"));
        File.WriteAllText(At("voc/Annotations/good.xml"), Fixtures.VocXml("good.jpg", 60, 40, ("cat", 2, 2, 30, 30)));
        File.WriteAllText(At("voc/Annotations/bomb.xml"), Fixtures.VocXml("bomb.jpg", 30000, 30000, ("cat", 2, 2, 30, 30)));

        var check = CliRunner.Run("data", "check", At("voc"));
        var show = CliRunner.Run("data", "show", At("voc"), "--out", At("grid.png"));

        Assert.Equal(0, check.Code);
        Assert.Contains("bomb.jpg: the image is 30000x30000", check.Output);
        Assert.Equal(0, show.Code);
        AssertOneLine(show.Error, "bomb.jpg");
        Assert.True(File.Exists(At("grid.png")));
    }

    [Fact]
    public void Links_that_loop_are_skipped_and_reported_not_followed()
    {
        GoodImage("voc/JPEGImages/good.jpg");
        Directory.CreateDirectory(At("voc/Annotations"));
        File.WriteAllText(At("voc/Annotations/good.xml"), Fixtures.VocXml("good.jpg", 60, 40, ("cat", 2, 2, 30, 30)));
        File.CreateSymbolicLink(At("voc/Annotations/loop.xml"), "loop.xml");
        Directory.CreateSymbolicLink(At("voc/JPEGImages/self"), ".");

        var (code, output, error) = CliRunner.Run("data", "check", At("voc"));

        Assert.True(code == 0, error);
        Assert.Contains("loop.xml: file link to 'loop.xml' leads nowhere", output);
        Assert.Contains("self: directory link into", output);
        Assert.Contains("Images    all 1", output);
    }

    [Theory]
    [InlineData("""{"images": {"a": 1}, "categories": []}""", "'images' must be a list")]
    [InlineData("""{"images": [], "categories": [{"name": "x"}]}""", "has no numeric 'id'")]
    [InlineData("""{"images": [{"id": 1, "file_name": "a.jpg"}], "annotations": [{"id": 7, "image_id": 1, "category_id": 1, "bbox": ["a", 1, 2, 3]}], "categories": [{"id": 1, "name": "x"}]}""", "bbox [\"a\", 1, 2, 3] is not 4 numbers")]
    [InlineData("""{"images": [{"id": 1, "file_name": "a.jpg"}], "annotations": [{"id": 7, "image_id": 1, "category_id": 1, "bbox": null}], "categories": [{"id": 1, "name": "x"}]}""", "bbox null is not 4 numbers")]
    [InlineData("""{"images": [{"id": 1, "file_name": "a.jpg"}], "annotations": [{"id": 7, "image_id": 9, "category_id": 1, "bbox": [1, 1, 5, 5]}], "categories": [{"id": 1, "name": "x"}]}""", "image_id 9 is not among the file's images")]
    [InlineData("""{"images": [{"id": 1, "file_name": "a.jpg"}], "annotations": [{"id": 7, "image_id": 1, "category_id": "cat", "bbox": [1, 1, 5, 5]}], "categories": [{"id": 1, "name": "x"}]}""", "category_id \"cat\" is not a number")]
    public void Coco_type_confusion_is_reported_with_its_value(string json, string expected)
    {
        GoodImage("coco/a.jpg");
        File.WriteAllText(At("coco/labels.json"), json);

        var (code, output, error) = CliRunner.Run("data", "check", At("coco/labels.json"));

        Assert.Equal(1, code);
        Assert.Contains(expected, output + error);
        Assert.DoesNotContain("internal error", error);
    }

    [Fact]
    public void A_string_category_id_that_is_a_number_is_read_as_that_number()
    {
        GoodImage("coco/a.jpg");
        File.WriteAllText(At("coco/labels.json"), """{"images": [{"id": 1, "file_name": "a.jpg"}], "annotations": [{"id": 7, "image_id": 1, "category_id": "3", "bbox": [1, 1, 5, 5]}], "categories": [{"id": 3, "name": "x"}]}""");

        var dataset = Spotter.Data.DatasetLoader.Load(At("coco/labels.json"));

        Assert.Single(dataset.Images[0].Objects);
    }

    [Fact]
    public void Eval_leaves_an_unreadable_image_out_with_a_warning()
    {
        var name = fixture.Dataset.Classes[0];
        Directory.CreateDirectory(At("voc/Annotations"));
        GoodImage("voc/JPEGImages/good.jpg");
        File.WriteAllBytes(At("voc/JPEGImages/empty.jpg"), []);
        File.WriteAllText(At("voc/Annotations/good.xml"), Fixtures.VocXml("good.jpg", 60, 40, (name, 2, 2, 30, 30)));
        File.WriteAllText(At("voc/Annotations/empty.xml"), Fixtures.VocXml("empty.jpg", 60, 40, (name, 2, 2, 30, 30)));

        var (code, output, error) = CliRunner.Run("eval", SaveModel(), At("voc"), "--split", "all", "--device", "cpu");

        Assert.True(code == 0, error);
        AssertOneLine(error, "empty.jpg: not a readable image (the file is empty); left out of the evaluation");
        Assert.Contains("1 images", output);
    }

    [Fact]
    public void A_voc_set_whose_images_are_all_missing_gives_one_line_not_one_per_image()
    {
        Directory.CreateDirectory(At("voc/Annotations"));
        for (var i = 0; i < 5; i++)
            File.WriteAllText(At($"voc/Annotations/p{i}.xml"), Fixtures.VocXml($"p{i}.jpg", 60, 40, ("cat", 2, 2, 30, 30)));

        var (code, output, error) = CliRunner.Run("data", "check", At("voc"));

        Assert.Equal(1, code);
        var problem = Assert.Single(output.Split('\n'), l => l.Contains("error:"));
        Assert.Contains("none of the images its 5 annotation(s) name were found", problem);
        Assert.DoesNotContain("image skipped", output);
        Assert.DoesNotContain("internal error", error);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("2")]
    [InlineData("NaN")]
    public void A_threshold_outside_zero_to_one_is_refused(string threshold)
    {
        var (code, _, error) = CliRunner.Run("detect", SaveModel(), GoodImage("a.jpg"), "--out", At("out"), "--threshold", threshold);

        Assert.Equal(1, code);
        AssertOneLine(error, "--threshold must be a number from 0 to 1");
        Assert.False(Directory.Exists(At("out")));
    }

    [Theory]
    [InlineData("input_size", "0", "--size must be a multiple of 32")]
    [InlineData("classes", "[]", "at least one class")]
    public void A_hand_edited_model_json_gives_one_line(string field, string value, string expected)
    {
        var run = SaveModel();
        var path = Path.Combine(run, "model.json");
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!;
        json[field] = System.Text.Json.Nodes.JsonNode.Parse(value);
        File.WriteAllText(path, json.ToJsonString());

        var (code, _, error) = CliRunner.Run("detect", run, GoodImage("a.jpg"), "--out", At("out"));

        Assert.Equal(1, code);
        AssertOneLine(error, "model.json");
        Assert.Contains(expected, error);
    }

    [Fact]
    public void Output_paths_that_cannot_be_written_give_one_line()
    {
        Directory.CreateDirectory(At("a-folder"));
        File.WriteAllText(At("a-file"), "x");
        GoodImage("voc/JPEGImages/good.jpg");
        Directory.CreateDirectory(At("voc/Annotations"));
        File.WriteAllText(At("voc/Annotations/good.xml"), Fixtures.VocXml("good.jpg", 60, 40, ("cat", 2, 2, 30, 30)));

        var show = CliRunner.Run("data", "show", At("voc"), "--out", At("a-folder"));
        var detect = CliRunner.Run("detect", SaveModel(), At("voc/JPEGImages/good.jpg"), "--out", At("a-file"));
        var under = CliRunner.Run("detect", SaveModel(), At("voc/JPEGImages/good.jpg"), "--out", At("a-file/sub"));

        Assert.Equal((1, 1, 1), (show.Code, detect.Code, under.Code));
        AssertOneLine(show.Error, "a-folder: is a folder");
        AssertOneLine(detect.Error, "a-file: is a file");
        AssertOneLine(under.Error, "a-file/sub");
    }
}
