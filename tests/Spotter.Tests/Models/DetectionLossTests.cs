using Spotter.Boxes;
using Spotter.Data;
using Spotter.Data.Loading;
using Spotter.Models.Ssd;
using static TorchSharp.torch;

namespace Spotter.Tests.Models;

public sealed class DetectionLossTests
{
    // Two anchors, one class. The true box (1, 1, 11, 11) matches anchor 0 (IoU 81/119); anchor 1 is background.
    private static readonly float[,] AnchorCorners = { { 0, 0, 10, 10 }, { 50, 50, 60, 60 } };
    private static readonly Box Truth = new(1, 1, 11, 11);

    // Zero logits: p = 0.5 everywhere; focal loss 0.25 x 0.5^2 x ln 2 (positive) + 0.75 x 0.5^2 x ln 2 (negative).
    private static readonly double Focal = (0.25 + 0.75) * 0.25 * Math.Log(2);

    private static double Loss(DetectorOptions options)
    {
        using var scope = NewDisposeScope();
        using var anchors = new AnchorSet(tensor(AnchorCorners), ones(2, 2));
        var image = new ImageRecord("x", "x.jpg", 64, 64, [new LabeledBox(0, Truth)]);
        using var batch = new Batch(zeros(1, 3, 64, 64), [[Truth]], [[0]], [image]);
        var loss = new DetectionLoss(new AnchorMatcher(), new SsdBoxCoder(), options);
        // Zero activations decode to the anchor itself.
        return loss.Compute(zeros(1, 2, 1), zeros(1, 2, 4), anchors, batch).item<float>();
    }

    [Fact]
    public void Smooth_l1_compares_the_encoded_offsets()
    {
        // Target offsets (1, 1, 0, 0): a centre shift of 1 px on a 10 px anchor over variance 0.1;
        // smooth L1 with beta 1/9 gives 1 - beta/2 for each 1.
        Assert.Equal(2 * (1 - 1.0 / 18) + Focal, Loss(new DetectorOptions()), 5);
    }

    [Fact]
    public void Giou_compares_the_decoded_box_with_the_true_box()
    {
        // GIoU((0,0,10,10), (1,1,11,11)) = 81/119 - (121 - 119)/121; the loss is weight x (1 - GIoU).
        var giou = 81.0 / 119 - 2.0 / 121;
        Assert.Equal(2 * (1 - giou) + Focal, Loss(new DetectorOptions { BoxLoss = BoxLossKind.Giou }), 5);
        Assert.Equal(0.5 * (1 - giou) + Focal, Loss(new DetectorOptions { BoxLoss = BoxLossKind.Giou, GiouWeight = 0.5 }), 5);
    }

    [Fact]
    public void Quality_focal_loss_takes_the_boxs_iou_as_the_class_target()
    {
        // The matched anchor's box is the anchor itself, IoU 81/119 with the truth: its target is
        // that IoU instead of 1, so the factor |t - p|^2 is (81/119 - 0.5)^2; BCE at logit 0 is ln 2
        // whatever the target. The background anchor is as in focal loss.
        var iou = 81.0 / 119;
        var positive = 0.25 * Math.Pow(iou - 0.5, 2) * Math.Log(2);
        var background = 0.75 * 0.25 * Math.Log(2);
        Assert.Equal(2 * (1 - 1.0 / 18) + positive + background, Loss(new DetectorOptions { ClassLoss = ClassLossKind.Quality }), 5);
    }
}
