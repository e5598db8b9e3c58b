using Spotter.Boxes;
using static TorchSharp.torch;

namespace Spotter.Data.Loading;

/// <summary>
/// A training batch: images (N x 3 x S x S, RGB 0..1) and, per image, its boxes in the pixels of
/// the S x S input and their classes; plus each image's largest object for the lesson-8 tasks.
/// Owns its tensors.
/// </summary>
public sealed class Batch : IDisposable
{
    public Batch(Tensor images, IReadOnlyList<Box[]> boxes, IReadOnlyList<int[]> classes, IReadOnlyList<ImageRecord> records)
    {
        Images = images;
        Boxes = boxes;
        Classes = classes;
        Records = records;
    }

    public Tensor Images { get; private set; }

    /// <summary>Per image: boxes in input pixels (after augmentation).</summary>
    public IReadOnlyList<Box[]> Boxes { get; }

    public IReadOnlyList<int[]> Classes { get; }

    public IReadOnlyList<ImageRecord> Records { get; }

    public int Count => Records.Count;

    /// <summary>N x 4 boxes of each image's largest object (by area in the original image).</summary>
    public Tensor LargestBoxes(Device device)
    {
        var values = new float[Count * 4];
        for (var i = 0; i < Count; i++)
        {
            var b = Boxes[i][LargestIndex(i)];
            (values[4 * i], values[4 * i + 1], values[4 * i + 2], values[4 * i + 3]) = (b.X1, b.Y1, b.X2, b.Y2);
        }
        return tensor(values, [Count, 4], device: device);
    }

    /// <summary>N class indices of each image's largest object.</summary>
    public Tensor LargestClasses(Device device) =>
        tensor(Enumerable.Range(0, Count).Select(i => (long)Classes[i][LargestIndex(i)]).ToArray(), device: device);

    // The largest object is chosen on the original annotation, so augmentation never changes which.
    // (Only the detector's augmentation drops boxes, by zooming; the largest-object tasks never zoom.)
    private int LargestIndex(int i) => Boxes[i].Length == Records[i].Objects.Count
        ? Records[i].LargestIndex
        : throw new InvalidOperationException("a largest-object batch lost boxes to augmentation");

    /// <summary>Moves the images to a device; the batch keeps owning them, whatever dispose scope is open.</summary>
    public void MoveTo(Device device)
    {
        if (Images.device_type == device.type && (device.index < 0 || Images.device_index == device.index)) return;
        var moved = Images.to(device).DetachFromDisposeScope();
        Images.Dispose();
        Images = moved;
    }

    public void Dispose() => Images.Dispose();
}
