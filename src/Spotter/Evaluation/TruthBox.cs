using Spotter.Boxes;

namespace Spotter.Evaluation;

/// <summary>A ground-truth object for evaluation. Difficult objects are neither required nor penalised (VOC); crowd regions absorb detections (COCO).</summary>
public sealed record TruthBox(int ClassIndex, Box Box, bool Difficult = false, bool Crowd = false);
