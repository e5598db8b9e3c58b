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
        raw[0, 1, 1, 2] = (float)Math.Atanh(0.5);       // centre half a cell right of (2.5 / 4)
        raw[0, 2, 1, 2] = (float)Math.Atanh(-0.5);      // and half a cell up from (1.5 / 4)
        raw[0, 3, 1, 2] = 0;                            // width: sigmoid(0) = half the image
        raw[0, 4, 1, 2] = (float)Math.Log(0.25 / 0.75); // height: a quarter
        raw[0, 6, 1, 2] = 3;                            // class 1
        var pooled = CellVoteHead.Pool(CellVoteHead.Proposals(raw)).data<float>().ToArray();

        // centre (3 / 4, 1 / 4), size 0.5 x 0.25
        Assert.Equal([0.5f, 0.125f, 1f, 0.375f, 0f, 3f], pooled, new FloatTolerance(1e-4f));
    }

    [Fact]
    public void Even_votes_average_the_proposals()
    {
        using var scope = NewDisposeScope();
        var proposals = CellVoteHead.Proposals(RawCells()[.., ..5]);
        Assert.Equal(1f, proposals[0, 0].sum().item<float>(), 5);
        // the mean cell centre is the image centre; every proposal is half the image wide and high
        Assert.Equal([0.25f, 0.25f, 0.75f, 0.75f], CellVoteHead.Pool(proposals).data<float>().ToArray(), new FloatTolerance(1e-5f));
    }

    [Fact]
    public void Only_the_cells_within_one_cell_of_the_true_centre_learn_the_box_and_class()
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
    public void The_head_maps_two_feature_maps_to_one_proposal_per_cell_of_the_finer_map()
    {
        using var scope = NewDisposeScope();
        var head = new CellVoteHead([8, 8, 16, 32], classes: 3);
        head.eval();
        var output = head.forward([randn(2, 8, 28, 28), randn(2, 8, 14, 14), randn(2, 16, 7, 7), randn(2, 32, 4, 4)]);
        Assert.Equal([2L, 5 + 3, 7 * 7], output.shape);
        Assert.True(allclose(output[.., 0].sum(1), ones(2)));
        var boxes = output[.., 1..5];
        Assert.True((boxes[.., 2] > boxes[.., 0]).all().item<bool>() && (boxes[.., 3] > boxes[.., 1]).all().item<bool>());
    }
}
