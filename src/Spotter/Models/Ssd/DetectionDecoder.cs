using Spotter.Boxes;
using Spotter.Runtime;
using static TorchSharp.torch;

namespace Spotter.Models.Ssd;

/// <summary>
/// From the detector's raw output to detections: sigmoid scores above the threshold, the best
/// <c>candidates</c> (anchor, class) pairs of each image, their boxes decoded and clipped to the
/// input, class-aware NMS, at most <c>maxDetections</c> per image, best first; with
/// <see cref="DetectorOptions.BoxVotingIou"/> the kept boxes are refined by <see cref="BoxVoting"/>.
/// </summary>
public sealed class DetectionDecoder(IBoxCoder coder, IReadOnlyList<string> classes, int inputSize, DetectorOptions options)
{
    /// <param name="output">N x A x (C + 4): class logits then box activations.</param>
    /// <param name="anchors">The A anchors.</param>
    /// <returns>Per image: detections in input pixels, best first.</returns>
    public IReadOnlyList<IReadOnlyList<Detection>> Decode(Tensor output, AnchorSet anchors, double? scoreThreshold = null)
    {
        using var scope = NewDisposeScope();
        var classCount = classes.Count;
        using var onDevice = anchors.To(output.device);
        var threshold = scoreThreshold ?? options.ScoreThreshold;
        var result = new List<IReadOnlyList<Detection>>();
        for (var i = 0; i < output.shape[0]; i++)
        {
            var scores = sigmoid(output[i, .., ..classCount]).flatten();
            var candidates = (scores > Scalars.Of(threshold)).nonzero().flatten();
            if (candidates.shape[0] > options.Candidates)
                candidates = candidates.index_select(0, scores.index_select(0, candidates).topk(options.Candidates).indexes);
            if (candidates.shape[0] == 0)
            {
                result.Add([]);
                continue;
            }
            var anchorIndex = candidates.div(Scalars.Of((long)classCount), RoundingMode.floor);
            var candidateClasses = candidates.remainder(Scalars.Of((long)classCount));
            var activations = output[i, .., classCount..];
            // Voting needs every anchor's box: then the candidates' are taken from it, not decoded again.
            var everyBox = options.BoxVotingIou is null ? null : DecodeClipped(activations, onDevice);
            var boxes = everyBox?.index_select(0, anchorIndex) ?? DecodeCandidates(activations, anchorIndex, onDevice);
            var candidateScores = scores.index_select(0, candidates);
            var kept = Nms.Batched(boxes, candidateScores, candidateClasses, options.NmsIou, options.NmsTopK, options.MaxDetections);
            var keptBoxes = boxes.index_select(0, kept);
            var keptClasses = candidateClasses.index_select(0, kept);
            if (everyBox is not null)
                keptBoxes = BoxVoting.Refine(keptBoxes, keptClasses, everyBox, scores.view(-1, classCount), options.ScoreThreshold, options.BoxVotingIou!.Value);
            result.Add(ToDetections(keptBoxes, candidateScores.index_select(0, kept), keptClasses));
        }
        return result;
    }

    /// <summary>Every anchor's box (N x A x 4, input pixels, clipped to the input), before any selection.</summary>
    public Tensor Boxes(Tensor output, AnchorSet anchors)
    {
        using var scope = NewDisposeScope();
        using var onDevice = anchors.To(output.device);
        return DecodeClipped(output[.., .., classes.Count..], onDevice).MoveToOuterDisposeScope();
    }

    private Tensor DecodeCandidates(Tensor activations, Tensor anchorIndex, AnchorSet anchors)
    {
        using var candidateAnchors = anchors.Select(anchorIndex);
        return DecodeClipped(activations.index_select(0, anchorIndex), candidateAnchors);
    }

    /// <summary>Boxes in input pixels, clipped to the input.</summary>
    private Tensor DecodeClipped(Tensor activations, AnchorSet anchors) =>
        coder.Decode(activations, anchors).clamp(Scalars.Of(0.0), Scalars.Of((double)inputSize));

    private IReadOnlyList<Detection> ToDetections(Tensor boxes, Tensor scores, Tensor classIndices)
    {
        var b = boxes.cpu().data<float>().ToArray();
        var s = scores.cpu().data<float>().ToArray();
        var c = classIndices.cpu().data<long>().ToArray();
        return Enumerable.Range(0, s.Length)
            .Select(k => Detection.Of((int)c[k], s[k], new Box(b[4 * k], b[4 * k + 1], b[4 * k + 2], b[4 * k + 3]), classes))
            .ToList();
    }
}
