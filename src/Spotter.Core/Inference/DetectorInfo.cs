namespace Spotter.Inference;

/// <summary>
/// What a loaded detector is: its task and classes, the S x S input images are squashed to, the
/// score below which it hides detections unless told otherwise, and what runs it
/// (<see cref="Backend"/>: torchsharp or onnxruntime; <see cref="Device"/>: cpu, cuda ...; <see cref="Precision"/>: fp32 or bf16),
/// the IoU at which its non-maximum suppression treats two boxes as one object, and the tile side
/// it was trained on (sliced training; null: whole images), with which it runs by default.
/// </summary>
public sealed record DetectorInfo(ModelTask Task, IReadOnlyList<string> Classes, int InputSize, float DefaultThreshold, string Backend, string Device,
    Precision Precision = Precision.Fp32, float NmsIou = 0.5f, int? TrainedTile = null);
