using static TorchSharp.torch;

namespace Spotter.Boxes;

/// <summary>
/// Adaptive training sample selection (Zhang et al., ATSS, 2020): a fixed IoU threshold gives a
/// large box dozens of positive anchors and a small or thin one hardly any, so each box sets its
/// own. On every grid it takes the anchors of the <see cref="NearestCells"/> cells whose centres
/// are closest to its centre; their IoUs with the box give the threshold, mean + standard
/// deviation. Candidates at or above it whose centre lies inside the box are its positives
/// (an anchor wanted by two boxes goes to the one it overlaps more); every other anchor is
/// background, none is ignored. As with <see cref="AnchorMatcher"/>, every box also claims its
/// best anchor, so none goes unmatched.
/// </summary>
/// <param name="NearestCells">Cells per grid whose anchors are candidates (ATSS's k, 9).</param>
public sealed record AdaptiveAnchorMatcher(int NearestCells = 9) : IAnchorMatcher
{
    public Tensor Match(Tensor groundTruth, AnchorSet anchors)
    {
        using var scope = NewDisposeScope();
        var boxes = anchors.Boxes;
        var device = boxes.device;
        var truthCount = groundTruth.shape[0];
        if (truthCount == 0) return full(anchors.Count, AnchorMatcher.Background, ScalarType.Int64, device: device).MoveToOuterDisposeScope();
        var layout = anchors.Layout ?? throw new ArgumentException("adaptive matching needs the anchors' grid layout", nameof(anchors));

        var iou = BoxOps.Iou(groundTruth, boxes);                                          // G x A
        var anchorCentres = (boxes[.., ..2] + boxes[.., 2..]) / 2;                           // A x 2
        var candidates = Candidates(Centres(groundTruth), anchorCentres, layout);            // G x K
        var candidateIou = iou.gather(1, candidates);
        var threshold = candidateIou.mean([1], keepdim: true) + candidateIou.std(1, keepdim: true);
        var centres = anchorCentres.index_select(0, candidates.flatten()).reshape(truthCount, -1, 2);
        var positive = (candidateIou >= threshold) & (candidateIou > 0) & Inside(centres, groundTruth);

        // Each anchor takes the box it overlaps most among those it is a positive for.
        var positiveIou = full(truthCount, anchors.Count, -1f, device: device)
            .scatter_(1, candidates, where(positive, candidateIou, tensor(-1f, device: device)));
        var (bestIou, bestTruth) = positiveIou.max(0);
        var matched = where(bestIou > 0, bestTruth, tensor(AnchorMatcher.Background, device: device));
        AnchorMatcher.ClaimBestAnchors(matched, iou);
        return matched.MoveToOuterDisposeScope();
    }

    /// <summary>Per box, the indices of the anchors in its nearest cells of every grid (G x K).</summary>
    private Tensor Candidates(Tensor truthCentres, Tensor anchorCentres, AnchorGridLayout layout)
    {
        var truthCount = truthCentres.shape[0];
        var perCell = layout.PerCell;
        var withinCell = arange(perCell, dtype: ScalarType.Int64, device: truthCentres.device);
        var perGrid = new List<Tensor>();
        long start = 0;
        foreach (var count in layout.GridCounts)
        {
            var cells = count / perCell;
            var cellCentres = anchorCentres.narrow(0, start, count).reshape(cells, perCell, 2)[.., 0];  // a cell's anchors share its centre
            var distance = cdist(truthCentres, cellCentres);                                            // G x cells
            var nearest = distance.topk((int)Math.Min(NearestCells, cells), dim: 1, largest: false).indexes;
            perGrid.Add((nearest.unsqueeze(2) * perCell + withinCell + start).reshape(truthCount, -1));
            start += count;
        }
        return cat(perGrid, 1);
    }

    private static Tensor Centres(Tensor corners) => (corners[.., ..2] + corners[.., 2..]) / 2;

    /// <summary>Whether each point (G x K x 2) lies strictly inside its box (G x 4).</summary>
    private static Tensor Inside(Tensor points, Tensor boxes)
    {
        var (x, y) = (points[.., .., 0], points[.., .., 1]);
        return (x > boxes[.., 0..1]) & (x < boxes[.., 2..3]) & (y > boxes[.., 1..2]) & (y < boxes[.., 3..4]);
    }
}
