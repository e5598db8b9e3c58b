using Spotter.Inference;
using Spotter.Models;
using Spotter.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Spotter;

/// <summary>
/// Runs a trained Spotter model from .NET code on TorchSharp (libtorch), CPU or CUDA.
/// <code>
/// using var detector = Detector.Load("runs/cells");          // a run folder or its model.json
/// foreach (var d in detector.Detect("photo.jpg"))
///     Console.WriteLine($"{d.Class} {d.Score:P0} at {d.Box}");
/// </code>
/// Safe to use from several threads: images are decoded and squashed in the calling thread, and
/// the model runs one batch at a time. The same <see cref="IDetector"/> path serves
/// <c>spotter detect</c>, <c>spotter eval</c> and a run's final evaluation.
/// </summary>
public sealed class Detector : DetectorBase
{
    private readonly IImageModel _model;
    private readonly Device _device;
    private readonly bool _ownsModel;
    private readonly object _gate = new();

    private Detector(IImageModel model, Device device, bool ownsModel, Precision precision = Precision.Fp32)
        : base(new DetectorInfo(model.Spec.Task, model.Spec.Classes, model.InputSize, model.Spec.Task.DisplayThreshold(), "torchsharp", device.ToString(), precision,
            (float)model.Spec.DetectorSettings.NmsIou, model.Spec.Tile))
    {
        _model = model;
        _device = device;
        _ownsModel = ownsModel;
    }

    public ModelSpec Spec => _model.Spec;

    /// <param name="path">A run folder made by <c>spotter train</c>, or its model.json.</param>
    /// <param name="device">auto, cpu or cuda.</param>
    /// <param name="precision">fp32, or bf16: the whole network computes in bf16 (decoding, NMS and the
    /// answers stay fp32); auto picks bf16 where the CPU has bf16 arithmetic.</param>
    public static Detector Load(string path, string device = "auto", Precision precision = Precision.Fp32)
    {
        var target = Devices.Parse(device);
        var chosen = Precisions.Resolve(precision, target.type);
        var model = ModelFile.Load(path, target);
        if (chosen == Precision.Bf16) Precisions.ToBf16(model.Module);
        return new Detector(model, target, ownsModel: true, chosen);
    }

    /// <summary>A detector over a model already in memory (already on <paramref name="device"/>); the model stays the caller's.</summary>
    public static Detector Over(IImageModel model, Device device) => new(model, device, ownsModel: false);

    /// <summary>A detector that takes over a model in memory (already on <paramref name="device"/> and in <paramref name="precision"/>) and disposes it with itself.</summary>
    public static Detector Own(IImageModel model, Device device, Precision precision = Precision.Fp32) => new(model, device, ownsModel: true, precision);

    protected override IReadOnlyList<IReadOnlyList<Detection>> DetectSquashed(byte[] pixels, int count)
    {
        using var scope = NewDisposeScope();
        var size = _model.InputSize;
        // As the training loader does: bytes to float, then / 255.
        var images = tensor(pixels, [count, 3, size, size], ScalarType.Byte).to(float32).div_(Scalars.Of(255.0));
        lock (_gate)
        {
            _model.Module.eval();
            return Scalars.RepeatedOnFreed(() => _model.PredictBatch(images.to(_device))); // a prediction changes nothing: safe to repeat
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && _ownsModel) _model.Dispose();
    }
}
