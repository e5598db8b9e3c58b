using System.CommandLine;
using SkiaSharp;
using Spotter.Data;
using Spotter.Data.Loading;
using Spotter.Training;
using Spotter.Visualization;
using static TorchSharp.torch;

namespace Spotter.Cli.Commands;

/// <summary>
/// `spotter data show`: a grid of images with their boxes and labels; with <c>--augment</c>, the
/// training views that <c>spotter train</c> makes of them (its first epoch's, with the same options
/// and seed), at the input size, with their boxes as the model is taught them.
/// </summary>
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
        var augment = new Option<bool>("--augment") { Description = "Draw training views as 'spotter train' makes them (its first epoch, same --seed), with the options below" };
        var size = new Option<int>("--size") { Description = "--augment: the input size in pixels", DefaultValueFactory = _ => 320 };
        var zoom = new Option<double>("--zoom") { Description = "--augment: scale jitter, as spotter train", DefaultValueFactory = _ => 1 };
        var mosaic = new Option<double>("--mosaic") { Description = "--augment: the share of mosaics, as spotter train", DefaultValueFactory = _ => 0 };
        var mosaicScale = new Option<double>("--mosaic-scale") { Description = "--augment: the mosaic's image size, as spotter train", DefaultValueFactory = _ => Mosaic.DefaultScale };
        var copyPaste = new Option<double>("--copy-paste") { Description = "--augment: the share of pastes, as spotter train", DefaultValueFactory = _ => 0 };
        var command = new Command("show", "Draw a grid of images with their boxes and class labels.")
            { dataset, images, outFile, count, largest, split, seed, augment, size, zoom, mosaic, mosaicScale, copyPaste };
        command.SetAction(parse => SpotterCli.Guard(error, () =>
        {
            var shaping = new Option[] { size, zoom, mosaic, mosaicScale, copyPaste }.Where(o => parse.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();
            if (!parse.GetValue(augment) && shaping.Count > 0)
                throw new SpotterException($"{string.Join(", ", shaping)}: for the training views of --augment; give --augment too");
            var views = parse.GetValue(augment) ? Augmentation(parse.GetValue(dataset)!, parse.GetValue(size), parse.GetValue(largest), parse.GetValue(zoom), parse.GetValue(mosaic), parse.GetValue(mosaicScale), parse.GetValue(copyPaste)) : null;
            var data = DatasetLoader.Load(parse.GetValue(dataset)!, parse.GetValue(images));
            var pool = parse.GetValue(split) is { } name ? DatasetSplits.Select(data, name) : data.Images;
            var picked = Pick(pool, parse.GetValue(count), parse.GetValue(seed), skipped => error.WriteLine($"spotter: warning: {skipped}; not drawn"));
            if (picked.Count == 0) throw new SpotterException($"{data.Source}: none of its images can be read");
            var tiles = views is null
                ? picked.Select(i => Tile(i, data.Classes, parse.GetValue(largest))).ToList()
                : TrainingViews(pool, picked.Count, views, parse.GetValue(seed), data.Classes, parse.GetValue(largest));
            try
            {
                using var grid = ImageGrid.Render(tiles, columns: (int)Math.Ceiling(Math.Sqrt(tiles.Count)));
                var path = parse.GetValue(outFile)!;
                ImageGrid.Save(grid, path);
                output.WriteLine($"Wrote {path}: {tiles.Count} {(views is null ? "images" : "training views")}, {tiles.Sum(t => t.Boxes.Count)} boxes ({grid.Width}x{grid.Height} px)");
            }
            finally
            {
                foreach (var tile in tiles) tile.Pixels?.Dispose();
            }
            return SpotterCli.Success;
        }));
        return command;
    }

    /// <summary>The training augmentation of the options: a training run's settings, checked as <c>spotter train</c> checks them.</summary>
    private static AugmentOptions Augmentation(string dataset, int size, bool largest, double zoom, double mosaic, double mosaicScale, double copyPaste) =>
        new TrainConfig { Dataset = dataset, Task = largest ? ModelTask.Largest : ModelTask.Detect, Size = size, Zoom = zoom, Mosaic = mosaic, MosaicScale = mosaicScale, CopyPaste = copyPaste }
            .Validated().TrainingAugmentation();

    /// <summary>
    /// The first batch of a training epoch over the pool, as <c>spotter train --seed</c> makes it: its
    /// pixels after augmentation and the boxes (or with <paramref name="largestOnly"/>, the largest object's) it teaches.
    /// </summary>
    private static List<GridTile> TrainingViews(IReadOnlyList<ImageRecord> pool, int count, AugmentOptions augment, int seed, IReadOnlyList<string> classes, bool largestOnly)
    {
        using var store = new ImageStore(augment.Size, pool.Count);
        var loader = new BatchLoader(pool, store, augment, batchSize: count, shuffle: true, seed);
        using var scope = NewDisposeScope();
        using var batch = loader.Epoch(0).First();
        var bytes = batch.Images.mul(255).round_().clamp_(0, 255).to(uint8);
        var tiles = new List<GridTile>(batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            var record = batch.Records[i];
            var kept = Enumerable.Range(0, batch.Boxes[i].Length).Where(k => !largestOnly || k == record.LargestIndex).ToList();
            var boxes = kept.Select(k => new DrawnBox(batch.Boxes[i][k], classes[batch.Classes[i][k]], kept.Count == 1 ? SKColors.White : Palette.ForIndex(batch.Classes[i][k]))).ToList();
            var pixels = ImagePixels.FromPlanes(bytes[i].data<byte>().ToArray(), augment.Size, augment.Size);
            tiles.Add(new GridTile(record.Path, boxes, $"{record.Id}: {boxes.Count} {(boxes.Count == 1 ? "box" : "boxes")} as trained", pixels));
        }
        return tiles;
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
