using Spotter.Models.Largest;
using Spotter.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Spotter.Tests.Training;

public sealed class WeightAverageTests
{
    private static nn.Module<Tensor, Tensor> Tiny(float weight)
    {
        var model = nn.Sequential(("linear", nn.Linear(1, 1, hasBias: false)), ("norm", nn.BatchNorm1d(1)));
        using var _ = no_grad();
        model.parameters().First().fill_(weight);
        return model;
    }

    private static float Weight(nn.Module module) => module.parameters().First().item<float>();

    [Fact]
    public void The_average_follows_the_ramped_decay_and_swapping_it_in_leaves_the_weights_as_they_were()
    {
        using var model = Tiny(0);
        using var average = new WeightAverage(model, decay: 0.5);
        var expected = 0.0;
        foreach (var weight in new[] { 10f, 20f, 40f })
        {
            using (no_grad()) model.parameters().First().fill_(weight);
            var keep = Math.Min(0.5, (1.0 + average.Updates) / (10.0 + average.Updates)); // 0.1, 0.18, 0.25
            expected = keep * expected + (1 - keep) * weight;
            average.Update();
        }

        Assert.Equal(3, average.Updates);
        var seen = average.WithAverageIn(() => Weight(model));
        Assert.Equal(expected, seen, 4);
        Assert.Equal(40f, Weight(model)); // the model's own weight is back
        // The batch norm's step counter is an integer buffer: never averaged, never swapped.
        Assert.DoesNotContain(model.state_dict().Values, t => !t.is_floating_point() && t.item<long>() != 0);
    }

    [Fact]
    public void The_decay_spans_the_given_epochs_and_a_restart_starts_from_the_weights()
    {
        Assert.Equal(1 - 1.0 / 40, WeightAverage.DecayForEpochs(2, 20), 12);
        Assert.Equal(0, WeightAverage.DecayForEpochs(0.1, 5)); // under one step: no averaging

        using var model = Tiny(3);
        using var average = new WeightAverage(model, decay: 0.9);
        using (no_grad()) model.parameters().First().fill_(7);
        average.Restart(updates: 12);

        Assert.Equal(12, average.Updates);
        Assert.Equal(7f, average.WithAverageIn(() => Weight(model)));
    }
}

// Dropout draws from torch's global generator, so runs that compare seeded results run alone.
[Collection(nameof(SerialCollection))]
public sealed class WeightAverageLearnerTests(TrainingFixture fixture) : IClassFixture<TrainingFixture>
{
    [Fact]
    public void A_learner_with_an_average_validates_the_average_and_trains_the_weights()
    {
        torch.manual_seed(3);
        using var model = fixture.Model(ModelTask.Largest);
        var loader = fixture.Loader(16, augment: true, batch: 8, shuffle: true);
        var valid = fixture.Loader(8);
        using var learner = new Learner(model, loader, valid, new LearnerOptions { AverageEpochs = 1 }, seed: 4);
        learner.Fit(2, [2e-3], LrSchedule.OneCycle);
        var average = Assert.IsType<WeightAverage>(learner.Average);
        Assert.Equal(4, average.Updates); // 2 epochs of 2 steps
        Assert.Equal(0.5, average.Decay, 12); // one epoch of 2 steps

        using var plain = new Learner(model, loader, valid); // the same model, validated as it is
        var ofWeights = plain.Validate();
        var ofAverage = average.WithAverageIn(plain.Validate);

        Assert.Equal(ofAverage, learner.Validate());
        Assert.Equal(ofWeights, plain.Validate()); // validating the average left the weights alone
        var weights = model.parameters().Select(p => p.detach().clone()).ToList();
        var averaged = average.WithAverageIn(() => model.parameters().Select(p => p.detach().clone()).ToList());
        Assert.Contains(weights.Zip(averaged), pair => !pair.First.eq(pair.Second).all().item<bool>());
    }
}
