namespace Spotter.Data;

/// <summary>An image of a dataset: its id, file, size in pixels (as displayed) and objects.</summary>
public sealed record ImageRecord(string Id, string Path, int Width, int Height, IReadOnlyList<LabeledBox> Objects)
{
    /// <summary>The object with the largest box area (fastai's "largest object"), or null.</summary>
    public LabeledBox? Largest => Objects.Count == 0 ? null : Objects.MaxBy(o => o.Box.Area);
}
