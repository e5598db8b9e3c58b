using Spotter.Models.Largest;
using static TorchSharp.torch;

namespace Spotter.Tests.Models;

public sealed class CellVoteHeadTests
{
    /// <summary>Raw cell outputs for one image on a 4 x 4 grid with two classes, all zero.</summary>
    private static Tensor RawCells() => zeros(1, 5 + 2, 4, 4);

    [Fact]
    public void A_decisive_vote_returns_that_cells_proposal()
    {
        using var scope = NewDisposeScope();
        var raw = RawCells();
        raw[0, 0, 1, 2] = 50;                           // row 1, column 2 wins the vote
        raw[0, 1, 1, 2] = (float)Math.Atanh(0.5);       // centre 0.5 x Reach (1/8) right of 2.5 / 4
        raw[0, 2, 1, 2] = (float)Math.Atanh(-0.5);      // and 1/8 up from 1.5 / 4
        raw[0, 3, 1, 2] = 0;                            // width: sigmoid(0) = half the image
        raw[0, 4, 1, 2] = (float)Math.Log(0.25 / 0.75); // height: a quarter
        raw[0, 6, 1, 2] = 3;                            // class 1
        var pooled = CellVoteHead.Pool(CellVoteHead.Proposals(raw), 4, 4).data<float>().ToArray();

        // centre (3 / 4, 1 / 4), size 0.5 x 0.25
        Assert.Equal([0.5f, 0.125f, 1f, 0.375f, 0f, 3f], pooled, new FloatTolerance(1e-4f));
    }

    [Fact]
    public void Votes_are_averaged_around_the_winner_and_far_cells_are_ignored()
    {
        using var scope = NewDisposeScope();
        var raw = RawCells()[.., ..5].clone();
        raw[0, 0, 0, 0] = 12;                      // the winner, top left
        raw[0, 0, 1, 1] = 12 - (float)Math.Log(3); // its diagonal neighbour, a third of its vote
        raw[0, 0, 3, 3] = 11.5f;                   // a strong vote far away: ignored
        var proposals = CellVoteHead.Proposals(raw);
        Assert.Equal(1f, proposals[0, 0].sum().item<float>(), 5);

        // Proposals are half the image wide and high around their cell centres (0.125 and 0.375):
        // 3/4 x 0.125 + 1/4 x 0.375 = 0.1875.
        Assert.Equal([-0.0625f, -0.0625f, 0.4375f, 0.4375f], CellVoteHead.Pool(proposals, 4, 4).data<float>().ToArray(), new FloatTolerance(1e-4f));
    }

    [Fact]
    public void Only_the_cells_near_the_true_centre_learn_the_box_and_class()
    {
        using var scope = NewDisposeScope();
        // One image, a 1 x 4 grid (cell centres at x = 0.125, 0.375, 0.625, 0.875), two classes, input 100 px.
        // True box (0, 0, 50, 100): centre x 0.25, so cells 0 and 1 are responsible, cells 2 and 3 are not.
        var proposals = tensor(new float[]
        {
            0.50f, 0.25f, 0.25f, 0f,     // votes: 0.75 on the responsible cells
            0.00f, 0.10f, 0.90f, 0.9f,   // x1: cell 0 exact, cell 1 10 px off, the others wrong but ignored
            0.00f, 0.00f, 0.90f, 0.9f,   // y1
            0.50f, 0.50f, 0.95f, 0.95f,  // x2
            1.00f, 1.00f, 0.95f, 0.95f,  // y2
            0f, 0f, 5f, 5f,              // class-0 logits
            0f, 2f, 0f, 0f,              // class-1 logits
        }).reshape(1, 5 + 2, 4);
        var (box, vote, cls) = CellVoteHead.Losses(proposals, tensor(new float[] { 0, 0, 50, 100 }).reshape(1, 4), tensor(new long[] { 1 }), 100, rows: 1, cols: 4);

        Assert.Equal((0 + 10 / 4.0) / 2, box.item<float>(), 4);
        Assert.Equal(-Math.Log(0.75), vote.item<float>(), 4);
        Assert.Equal((Math.Log(2) + Math.Log(1 + Math.Exp(-2))) / 2, cls!.item<float>(), 4);
    }

    [Fact]
    public void A_large_box_has_every_cell_within_a_quarter_of_its_size_from_its_centre()
    {
        using var scope = NewDisposeScope();
        // A 1 x 8 grid (centres 0.0625 ... 0.9375) with even votes; the box fills the input: centre 0.5,
        // a quarter of its width 0.25, so the four middle cells are responsible and hold half the vote.
        var proposals = CellVoteHead.Proposals(zeros(1, 5, 1, 8));
        var (_, vote, _) = CellVoteHead.Losses(proposals, tensor(new float[] { 0, 0, 100, 100 }).reshape(1, 4), null, 100, rows: 1, cols: 8);
        Assert.Equal(Math.Log(2), vote.item<float>(), 4);
    }

    [Fact]
    public void The_head_gives_one_proposal_per_cell_of_the_stride_8_map()
    {
        using var scope = NewDisposeScope();
        var head = new CellVoteHead([8, 8, 16, 32], classes: 3);
        head.eval();
        var output = head.forward([randn(2, 8, 28, 28), randn(2, 8, 14, 14), randn(2, 16, 7, 7), randn(2, 32, 4, 4)]);
        Assert.Equal([2L, 5 + 3, 14 * 14], output.shape); // the stride-8 map of a 112 px input
        Assert.True(allclose(output[.., 0].sum(1), ones(2)));
        var boxes = output[.., 1..5];
        Assert.True((boxes[.., 2] > boxes[.., 0]).all().item<bool>() && (boxes[.., 3] > boxes[.., 1]).all().item<bool>());
    }
}
