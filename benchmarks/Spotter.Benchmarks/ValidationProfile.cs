using System.Diagnostics;
using Spotter.Data.Loading;
using Spotter.Models;
using Spotter.Models.Backbones;
using Spotter.Models.Ssd;
using Spotter.Training;
using static TorchSharp.torch;

namespace Spotter.Benchmarks;

/// <summary>
/// Where a detector's validation pass spends its time, the pass that training runs after every
/// epoch: making the batches, the forward pass (fp32, as validation runs), the validation loss,
/// the whole pass as validation runs it (the loss, then decoding with NMS and box voting), and the
/// mAP over the whole split. Each part is timed in a
/// pass of its own, after one untimed forward pass that fills the loader's cache and lets oneDNN
/// prepare its kernels (the first channels-last pass took 14.8 s where the next took 8-9).
/// <c>dotnet run -c Release --project benchmarks/Spotter.Benchmarks -- validation-profile RUN [--channels-last]</c>
/// </summary>
public static class ValidationProfile
{
    public static void Run(string runFolder, bool channelsLast)
    {
        var config = TrainConfig.Load(runFolder);
        using var data = new TrainingData(config);
        var model = ModelFile.Load(runFolder);
        if (model is not SsdModel detector) throw new SpotterException($"{runFolder}: not a detector");
        Backbone.SetChannelsLast(model.Module, channelsLast);
        model.Module.eval();
        using var _ = no_grad();
        var loader = data.ValidLoader!;
        Pass(loader, batch => model.Module.forward(batch.Images)); // fills the loader's cache and warms oneDNN's kernels

        var batches = Pass(loader, _ => { });
        var forward = Pass(loader, batch => model.Module.forward(batch.Images));
        var loss = Pass(loader, batch => detector.Loss(model.Module.forward(batch.Images), batch).item<float>());
        // The pass validation runs (DetectionMetrics: the loss, then decoding with NMS and voting), then its mAP.
        var metrics = detector.NewMetrics();
        var whole = Pass(loader, batch => metrics.Add(model.Module.forward(batch.Images), batch));
        var clock = Stopwatch.StartNew();
        metrics.Result();
        var map = clock.Elapsed.TotalSeconds;

        Console.WriteLine($"{runFolder}: {data.Valid.Count} validation images at {config.Size} px, {(channelsLast ? "channels-last" : "NCHW")}");
        Console.WriteLine($"  batches alone          {batches,6:0.00} s");
        Console.WriteLine($"  + forward              {forward,6:0.00} s");
        Console.WriteLine($"  + forward + loss       {loss,6:0.00} s  (loss {loss - forward:0.00} s)");
        Console.WriteLine($"  the validation pass    {whole,6:0.00} s  (decoding, NMS, voting {whole - loss:0.00} s)");
        Console.WriteLine($"  mAP over the split     {map,6:0.00} s");
    }

    private static double Pass(BatchLoader loader, Action<Batch> work)
    {
        var clock = Stopwatch.StartNew();
        foreach (var batch in loader.Epoch(0))
        {
            using (batch)
            using (NewDisposeScope())
                work(batch);
        }
        return clock.Elapsed.TotalSeconds;
    }
}
