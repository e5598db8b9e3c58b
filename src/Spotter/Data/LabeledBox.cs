using Spotter.Boxes;

namespace Spotter.Data;

/// <summary>One annotated object: its class (index into the dataset's classes), box and flags.</summary>
public sealed record LabeledBox(int ClassIndex, Box Box, bool Difficult = false, bool Truncated = false, bool Crowd = false);
