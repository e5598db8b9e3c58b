using Spotter.Data;
using Spotter.Evaluation;
using Spotter.Inference;
using Spotter.Onnx;

namespace Spotter.Benchmarks;

/// <summary>
/// ONNX Runtime against TorchSharp on a dataset split: for every image, the detections above the
/// display threshold on one backend matched to the other's (same class, best IoU), with the largest
/// box-corner and score differences, the detections left unmatched, and both backends' mAP.
/// <c>dotnet run -c Release --project benchmarks/Spotter.Benchmarks -- parity RUN MODEL.onnx DATASET [SPLIT]</c>
/// </summary>
public static class BackendParity
{
    public static void Run(string runFolder, string onnxPath, string datasetSpec, string split)
    {
        using var torch = Detector.Load(runFolder, "cpu");
        using var onnx = OnnxDetector.Load(onnxPath);
        var dataset = DatasetLoader.Load(datasetSpec);
        var images = DatasetSplits.Select(dataset, split).Select(i => i.Path).ToList();
        const float display = 0.3f, margin = 0.01f;
        double maxBox = 0, maxScore = 0;
        int compared = 0, unmatched = 0, nearThreshold = 0;
        foreach (var chunk in images.Chunk(8))
        {
            var a = torch.Detect(chunk, threshold: display - margin);
            var b = onnx.Detect(chunk, threshold: display - margin);
            for (var i = 0; i < chunk.Length; i++)
                foreach (var (from, to) in new[] { (a[i], b[i]), (b[i], a[i]) })
                    foreach (var d in from.Where(d => d.Score >= display))
                    {
                        var partner = to.Where(t => t.Class == d.Class).MaxBy(t => t.Box.Iou(d.Box));
                        if (partner is null || partner.Box.Iou(d.Box) < 0.9f)
                        {
                            if (d.Score < display + margin) nearThreshold++; else unmatched++;
                            continue;
                        }
                        compared++;
                        maxScore = Math.Max(maxScore, Math.Abs(partner.Score - d.Score));
                        maxBox = Math.Max(maxBox, new[] { partner.Box.X1 - d.Box.X1, partner.Box.Y1 - d.Box.Y1, partner.Box.X2 - d.Box.X2, partner.Box.Y2 - d.Box.Y2 }.Max(Math.Abs));
                    }
        }
        Console.WriteLine($"{images.Count} images of {dataset.Source} ({split}); detections >= {display} on either backend: {compared} matched (counted from both sides), {unmatched} unmatched, {nearThreshold} within {margin} of the threshold");
        Console.WriteLine($"  largest difference: box corner {maxBox:0.####} px, score {maxScore:0.#####}");
        var torchMap = DetectorEvaluation.Run(torch, dataset, split).Map!;
        var onnxMap = DetectorEvaluation.Run(onnx, dataset, split).Map!;
        Console.WriteLine($"  mAP@0.5 TorchSharp {torchMap.Map50:0.####}, ONNX Runtime {onnxMap.Map50:0.####} (difference {Math.Abs(torchMap.Map50 - onnxMap.Map50):0.#####}); COCO {torchMap.Map50To95:0.####} / {onnxMap.Map50To95:0.####}");
    }
}
