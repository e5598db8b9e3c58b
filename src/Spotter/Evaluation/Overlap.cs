using Spotter.Boxes;

namespace Spotter.Evaluation;

/// <summary>Scalar IoU for the evaluators (the training code uses the tensor version in BoxOps).</summary>
internal static class Overlap
{
    public static double Intersection(Box a, Box b) =>
        Math.Max(0.0, Math.Min(a.X2, b.X2) - Math.Max(a.X1, b.X1)) * Math.Max(0.0, Math.Min(a.Y2, b.Y2) - Math.Max(a.Y1, b.Y1));

    public static double Iou(Box a, Box b)
    {
        var intersection = Intersection(a, b);
        var union = (double)a.Area + b.Area - intersection;
        return union <= 0 ? 0 : intersection / union;
    }
}
