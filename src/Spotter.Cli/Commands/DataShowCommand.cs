using System.CommandLine;
using SkiaSharp;
using Spotter.Data;
using Spotter.Visualization;

namespace Spotter.Cli.Commands;

/// <summary>`spotter data show`: a grid of images with their boxes and labels.</summary>
public static class DataShowCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var dataset = DataCommand.DatasetArgument();
        var images = DataCommand.ImagesOption();
        var outFile = new Option<string>("--out") { Description = "The PNG file to write", Required = true };
        var count = new Option<int>("--count") { Description = "How many images", DefaultValueFactory = _ => 12 };
        var largest = new Option<bool>("--largest") { Description = "Draw only each image's largest object (the lesson-8 task)" };
        var split = new Option<string?>("--split") { Description = "train, val, test or trainval, or a .txt/.csv file listing the images (default: all images)" };
        var seed = new Option<int>("--seed") { Description = "Which images to pick (random, seeded)", DefaultValueFactory = _ => 0 };
        var command = new Command("show", "Draw a grid of images with their boxes and class labels.") { dataset, images, outFile, count, largest, split, seed };
        command.SetAction(parse => SpotterCli.Guard(error, () =>
        {
            var data = DatasetLoader.Load(parse.GetValue(dataset)!, parse.GetValue(images));
            var pool = parse.GetValue(split) is { } name ? DatasetSplits.Select(data, name) : data.Images;
            var picked = Pick(pool, parse.GetValue(count), parse.GetValue(seed), skipped => error.WriteLine($"spotter: warning: {skipped}; not drawn"));
            if (picked.Count == 0) throw new SpotterException($"{data.Source}: none of its images can be read");
            var tiles = picked.Select(i => Tile(i, data.Classes, parse.GetValue(largest))).ToList();
            using var grid = ImageGrid.Render(tiles, columns: (int)Math.Ceiling(Math.Sqrt(tiles.Count)));
            var path = parse.GetValue(outFile)!;
            ImageGrid.Save(grid, path);
            output.WriteLine($"Wrote {path}: {tiles.Count} images, {tiles.Sum(t => t.Boxes.Count)} boxes ({grid.Width}x{grid.Height} px)");
            return SpotterCli.Success;
        }));
        return command;
    }

    /// <summary>A seeded random choice of images that can be read; the unreadable ones met on the way are reported.</summary>
    private static List<ImageRecord> Pick(IReadOnlyList<ImageRecord> pool, int count, int seed, Action<string> unreadable)
    {
        if (count < 1) throw new SpotterException("--count must be at least 1");
        var shuffled = pool.ToArray();
        new Random(seed).Shuffle(shuffled);
        var picked = new List<ImageRecord>(count);
        foreach (var image in shuffled)
        {
            if (picked.Count == count) break;
            try
            {
                ImageFile.Probe(image.Path);
                picked.Add(image);
            }
            catch (SpotterException e)
            {
                unreadable(e.Message);
            }
        }
        return picked;
    }

    private static GridTile Tile(ImageRecord image, IReadOnlyList<string> classes, bool largestOnly)
    {
        var objects = largestOnly && image.Largest is { } l ? [l] : image.Objects;
        // One object: the lesson's white box; several: a colour per class.
        var boxes = objects.Select(o => new DrawnBox(o.Box, classes[o.ClassIndex], objects.Count == 1 ? SKColors.White : Palette.ForIndex(o.ClassIndex))).ToList();
        return new GridTile(image.Path, boxes, $"{image.Id} ({image.Width}x{image.Height}, {image.Objects.Count} objects)");
    }
}
