using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Spotter.Models.Ssd;

/// <summary>
/// Lesson 9's head, per feature map: a conv block (3x3 conv -> ReLU -> BatchNorm -> dropout)
/// then one 3x3 conv for the class logits (k x C) and one for the box activations (k x 4). The
/// class bias starts at log(0.01/0.99), so every anchor first predicts "background" with
/// probability 0.99 and the focal loss is not swamped at the start.
/// </summary>
public sealed class SsdHead : nn.Module<Tensor, (Tensor Logits, Tensor Boxes)>
{
    private readonly Sequential block;
    private readonly Conv2d classes;
    private readonly Conv2d boxes;
    private readonly int _classCount;

    public SsdHead(int inChannels, int anchorsPerCell, int classCount, int width = 256, double dropout = 0.1) : base(nameof(SsdHead))
    {
        _classCount = classCount;
        block = nn.Sequential(nn.Conv2d(inChannels, width, 3, padding: 1), nn.ReLU(), nn.BatchNorm2d(width), nn.Dropout(dropout));
        classes = nn.Conv2d(width, anchorsPerCell * classCount, 3, padding: 1);
        boxes = nn.Conv2d(width, anchorsPerCell * 4, 3, padding: 1);
        RegisterComponents();
        using var _ = no_grad();
        classes.bias!.fill_(Math.Log(0.01 / 0.99));
        nn.init.normal_(classes.weight, std: 0.01);
        nn.init.normal_(boxes.weight, std: 0.01);
        boxes.bias!.zero_();
    }

    /// <summary>For export: the conv block (conv, ReLU, BatchNorm, dropout) and the two output convs.</summary>
    internal (Sequential Block, Conv2d Classes, Conv2d Boxes) Parts => (block, classes, boxes);

    /// <summary>Logits N x (H W k) x C and box activations N x (H W k) x 4, in anchor order (row, column, anchor).</summary>
    public override (Tensor Logits, Tensor Boxes) forward(Tensor features)
    {
        using var scope = NewDisposeScope();
        var x = block.forward(features);
        var n = x.shape[0];
        var logits = classes.forward(x).permute(0, 2, 3, 1).reshape(n, -1, _classCount);
        var deltas = boxes.forward(x).permute(0, 2, 3, 1).reshape(n, -1, 4);
        return (logits.MoveToOuterDisposeScope(), deltas.MoveToOuterDisposeScope());
    }
}
