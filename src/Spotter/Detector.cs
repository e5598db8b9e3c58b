using SkiaSharp;
using Spotter.Boxes;
using Spotter.Data;
using Spotter.Models;
using Spotter.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Spotter;

/// <summary>An object found in an image: its class, confidence, and box in the image's own pixels.</summary>
public sealed record Detection(string Class, int ClassIndex, float Score, Box Box);

/// <summary>
/// Runs a trained Spotter model from .NET code.
/// <code>
/// using var detector = Detector.Load("runs/cells");          // a run folder or its model.json
/// foreach (var d in detector.Detect("photo.jpg"))
///     Console.WriteLine($"{d.Class} {d.Score:P0} at {d.Box}");
/// </code>
/// Safe to use from several threads: images are decoded and resized in the calling thread, and
/// the model runs one batch at a time.
/// </summary>
public sealed class Detector : IDisposable
{
    private readonly IImageModel _model;
    private readonly Device _device;
    private readonly object _gate = new();

    private Detector(IImageModel model, ModelInfo info, Device device)
    {
        _model = model;
        _device = device;
        Info = info;
    }

    public ModelInfo Info { get; }
    public IReadOnlyList<string> Classes => Info.Classes;

    /// <summary>Detections below this score are dropped unless a threshold is given (see <see cref="ModelInfo.DisplayThreshold"/>).</summary>
    public float DefaultThreshold => Info.DisplayThreshold;

    /// <param name="path">A run folder made by <c>spotter train</c>, or its model.json.</param>
    /// <param name="device">auto, cpu or cuda.</param>
    public static Detector Load(string path, string device = "auto")
    {
        var target = Devices.Parse(device);
        var (model, info) = ModelFile.Load(path, target);
        return new Detector(model, info, target);
    }

    public IReadOnlyList<Detection> Detect(string imagePath, float? threshold = null)
    {
        using var bitmap = ImageFile.Decode(imagePath);
        return Detect(bitmap, threshold);
    }

    public IReadOnlyList<Detection> Detect(Stream image, float? threshold = null)
    {
        using var bitmap = ImageFile.Decode(image);
        return Detect(bitmap, threshold);
    }

    public IReadOnlyList<Detection> Detect(SKBitmap image, float? threshold = null) => Detect([image], threshold)[0];

    /// <summary>Several images in one batch (faster than one by one).</summary>
    public IReadOnlyList<IReadOnlyList<Detection>> Detect(IReadOnlyList<string> imagePaths, float? threshold = null)
    {
        var bitmaps = imagePaths.Select(ImageFile.Decode).ToList();
        try
        {
            return Detect(bitmaps, threshold);
        }
        finally
        {
            foreach (var b in bitmaps) b.Dispose();
        }
    }

    public IReadOnlyList<IReadOnlyList<Detection>> Detect(IReadOnlyList<SKBitmap> images, float? threshold = null)
    {
        if (images.Count == 0) return [];
        var size = Info.InputSize;
        using var scope = NewDisposeScope();
        var inputs = images.Select(image =>
        {
            using var squashed = ImageTensors.Squash(image, size, size);
            return ImageTensors.ToTensor(squashed);
        }).ToList();
        var batch = stack(inputs);
        IReadOnlyList<IReadOnlyList<Visualization.PredictedBox>> predicted;
        lock (_gate)
        {
            using var onDevice = batch.to(_device);
            predicted = _model.PredictBatch(onDevice);
        }
        var minimum = threshold ?? DefaultThreshold;
        return images.Select((image, i) => (IReadOnlyList<Detection>)predicted[i]
            .Where(p => p.Score >= minimum)
            .Select(p => ImagePredictor.ToOriginal(p, image.Width, image.Height, size))
            .Select(p => new Detection(p.ClassIndex < 0 ? "object" : Classes[p.ClassIndex], p.ClassIndex, p.Score, p.Box))
            .ToList()).ToList();
    }

    public void Dispose() => _model.Dispose();
}
