using System.Diagnostics;
using SkiaSharp;
using Spotter.Data;
using Spotter.Models.Backbones;
using TorchSharp;
using static TorchSharp.torch;

namespace Spotter.Benchmarks;

/// <summary>
/// Do the converted weights carry ImageNet knowledge? A linear probe: crop every object of a VOC
/// dataset, take a backbone's pooled features, fit logistic regression on the train split's
/// crops and measure accuracy on the test split's, once with resnet18-imagenet and once with the
/// same architecture randomly initialised. Options: a cap on training crops per class (few-shot),
/// and --background, which adds a "background" class of crops that overlap no object (for
/// single-class sets such as raccoon: object versus scene).
///   dotnet run -c Release --project benchmarks/Spotter.Benchmarks -- probe ../shared/datasets/bccd/BCCD trainval test 10
///   dotnet run -c Release --project benchmarks/Spotter.Benchmarks -- probe ../shared/datasets/raccoon train val 400 --background
/// </summary>
public static class LinearProbe
{
    private const int CropSize = 160;

    public static void Run(string datasetPath, string trainSplit, string testSplit, int maxTrainPerClass, bool background)
    {
        var dataset = DatasetLoader.Load(datasetPath);
        var classes = background ? dataset.Classes.Append("background").ToList() : dataset.Classes.ToList();
        var (trainCrops, trainLabels) = Crops(DatasetSplits.Select(dataset, trainSplit), classes.Count, maxTrainPerClass, background, seed: 1);
        var (testCrops, testLabels) = Crops(DatasetSplits.Select(dataset, testSplit), classes.Count, int.MaxValue, background, seed: 2);
        Console.WriteLine($"{datasetPath} ({trainSplit} -> {testSplit}): {trainCrops.shape[0]} train crops (at most {maxTrainPerClass} per class), {testCrops.shape[0]} test crops, {CropSize}x{CropSize}");
        Console.WriteLine($"test crops per class: {string.Join(", ", classes.Select((c, i) => $"{c} {testLabels.eq(i).sum().item<long>()}"))}");

        var backbones = new (string Name, Func<Backbone> Make)[]
        {
            ("resnet18-imagenet (ImageNet weights)", () => BackboneCatalog.LoadImageNetResNet18()),
            ("same architecture, random weights", () => new ResNetBackbone(ResNetSpec.CntkResNet18, InputNormalization.MeanStd(InputNormalization.ImageNetMean, InputNormalization.ImageNetStd))),
        };
        foreach (var (name, make) in backbones)
        {
            var clock = Stopwatch.StartNew();
            using var backbone = make();
            backbone.eval();
            using var trainFeatures = Features(backbone, trainCrops);
            using var testFeatures = Features(backbone, testCrops);
            var (accuracy, balanced) = FitAndScore(trainFeatures, trainLabels, testFeatures, testLabels, classes.Count);
            Console.WriteLine($"{name,-40} accuracy {accuracy:P1}, balanced accuracy {balanced:P1} ({clock.Elapsed.TotalSeconds:F0} s)");
        }
    }

    private static (Tensor Crops, Tensor Labels) Crops(IReadOnlyList<ImageRecord> images, int classCount, int maxPerClass, bool background, int seed)
    {
        var crops = new List<Tensor>();
        var labels = new List<long>();
        var perClass = new int[classCount];
        var rng = new Random(seed);
        // Visit images in a seeded order so a per-class cap samples across the whole split.
        foreach (var image in images.OrderBy(_ => rng.Next()))
        {
            using var bitmap = ImageFile.Decode(image.Path);
            var boxes = image.Objects.Select(o => (o.ClassIndex, o.Box)).ToList();
            if (background && BackgroundBox(image, rng) is { } empty) boxes.Add((classCount - 1, empty));
            foreach (var (classIndex, box) in boxes)
            {
                if (perClass[classIndex] >= maxPerClass) continue;
                perClass[classIndex]++;
                var rect = new SKRectI((int)box.X1, (int)box.Y1, (int)Math.Ceiling(box.X2), (int)Math.Ceiling(box.Y2));
                using var crop = ImageTensors.Crop(bitmap, rect);
                using var squashed = ImagePixels.Squash(crop, CropSize, CropSize);
                crops.Add(ImageTensors.ToTensor(squashed));
                labels.Add(classIndex);
            }
        }
        var stacked = stack(crops);
        foreach (var c in crops) c.Dispose();
        return (stacked, tensor(labels.ToArray()));
    }

    // A random square, a quarter to a half of the image's short side, overlapping no object much.
    internal static Spotter.Boxes.Box? BackgroundBox(ImageRecord image, Random rng)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var side = Math.Min(image.Width, image.Height) * (0.25f + 0.25f * rng.NextSingle());
            var x = rng.NextSingle() * (image.Width - side);
            var y = rng.NextSingle() * (image.Height - side);
            var box = new Spotter.Boxes.Box(x, y, x + side, y + side);
            var overlap = image.Objects.Max(o => o.Box.Intersection(box) / box.Area);
            if (overlap < 0.1f) return box;
        }
        return null;
    }

    private static Tensor Features(Backbone backbone, Tensor crops)
    {
        using var _ = no_grad();
        var batches = new List<Tensor>();
        for (long start = 0; start < crops.shape[0]; start += 64)
            batches.Add(backbone.PooledFeatures(crops.narrow(0, start, Math.Min(64, crops.shape[0] - start))));
        return cat(batches);
    }

    // Multinomial logistic regression on standardised features, full batch, with L2 weight decay.
    private static (double Accuracy, double Balanced) FitAndScore(Tensor trainX, Tensor trainY, Tensor testX, Tensor testY, int classes)
    {
        using var scope = NewDisposeScope();
        var mean = trainX.mean([0]);
        var std = trainX.std(0) + 1e-6;
        var xTrain = (trainX - mean) / std;
        var xTest = (testX - mean) / std;
        var model = nn.Linear(trainX.shape[1], classes);
        var optimizer = optim.Adam(model.parameters(), lr: 0.01, weight_decay: 1e-3);
        for (var step = 0; step < 500; step++)
        {
            optimizer.zero_grad();
            nn.functional.cross_entropy(model.forward(xTrain), trainY).backward();
            optimizer.step();
        }
        using var _ = no_grad();
        var predicted = model.forward(xTest).argmax(1);
        var accuracy = predicted.eq(testY).to(float32).mean().item<float>();
        var recalls = Enumerable.Range(0, classes).Select(c =>
        {
            var mask = testY.eq(c);
            return mask.sum().item<long>() == 0 ? double.NaN : predicted[mask].eq(c).to(float32).mean().item<float>();
        }).Where(r => !double.IsNaN(r)).ToList();
        return (accuracy, recalls.Average());
    }
}
