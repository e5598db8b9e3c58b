using Spotter.Boxes;

namespace Spotter.Evaluation;

/// <summary>One image's ground truth and detections.</summary>
public sealed record EvaluatedImage(IReadOnlyList<TruthBox> Truth, IReadOnlyList<Detection> Detections);
