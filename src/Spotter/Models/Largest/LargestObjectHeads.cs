using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Spotter.Models.Largest;

/// <summary>
/// The lessons' heads, one recipe per task, for a body with C channels on a G x G grid.
/// <c>dropoutScale</c> multiplies the lessons' dropout probabilities (1: as in the lessons, which
/// fought overfitting on 2,501 VOC images; less suits plentiful data).
/// </summary>
public static class LargestObjectHeads
{
    /// <summary>The lessons' head for a task: it reads the last feature map (C channels, G x G).</summary>
    public static nn.Module<Tensor, Tensor> Create(ModelTask task, int channels, int grid, int classes, double dropoutScale = 1) => task switch
    {
        // fastai's default classifier head: concat(max-pool, avg-pool) -> BN -> dropout -> linear x2.
        ModelTask.ClassifyLargest => nn.Sequential(
            new ConcatPool(),
            nn.BatchNorm1d(2 * channels), nn.Dropout(0.25 * dropoutScale), nn.Linear(2 * channels, 512), nn.ReLU(),
            nn.BatchNorm1d(512), nn.Dropout(0.5 * dropoutScale), nn.Linear(512, classes)),
        // Lesson 8's box regressor: the whole feature map, flattened, to four numbers.
        ModelTask.LocateLargest => nn.Sequential(nn.Flatten(), nn.Linear(channels * grid * grid, 4)),
        // Lesson 9's joint head: 4 box activations then the class logits.
        _ => nn.Sequential(
            nn.Flatten(), nn.ReLU(), nn.Dropout(0.5 * dropoutScale), nn.Linear(channels * grid * grid, 256), nn.ReLU(),
            nn.BatchNorm1d(256), nn.Dropout(0.5 * dropoutScale), nn.Linear(256, 4 + classes)),
    };

    /// <summary>Adaptive max and average pooling to 1x1, concatenated and flattened: N x 2C.</summary>
    private sealed class ConcatPool() : nn.Module<Tensor, Tensor>(nameof(ConcatPool))
    {
        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            var max = nn.functional.adaptive_max_pool2d(input, [1, 1]);
            var avg = nn.functional.adaptive_avg_pool2d(input, 1);
            return cat([max, avg], 1).flatten(1).MoveToOuterDisposeScope();
        }
    }
}
