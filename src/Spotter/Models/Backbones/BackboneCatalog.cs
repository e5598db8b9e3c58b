using System.Security.Cryptography;
using Spotter.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Spotter.Models.Backbones;

/// <summary>
/// Makes backbones from a name: <c>resnet18-imagenet</c> (ImageNet weights from ML.NET's ONNX
/// model, converted once and cached), <c>resnet18|resnet34|resnet50</c> (random weights),
/// <c>resnet18|resnet34|resnet50:PATH</c> (torchvision weights from a file), and <c>tiny</c>.
/// </summary>
public static class BackboneCatalog
{
    public const string ImageNetResNet18 = "resnet18-imagenet";

    /// <summary>Bump when the conversion changes, so stale cached conversions are not reused.</summary>
    private const int ConverterVersion = 1;

    private static readonly Dictionary<string, ResNetSpec> Architectures = new()
    {
        ["resnet18"] = ResNetSpec.ResNet18,
        ["resnet34"] = ResNetSpec.ResNet34,
        ["resnet50"] = ResNetSpec.ResNet50,
        ["tiny"] = ResNetSpec.Tiny,
    };

    public sealed record Entry(string Name, string Weights, bool Ready);

    /// <summary>What <c>spotter info</c> lists.</summary>
    public static IReadOnlyList<Entry> Available()
    {
        var onnx = FindOnnxFiles();
        return
        [
            new(ImageNetResNet18, onnx is null
                ? "ImageNet (ML.NET ResNet18 ONNX): model file not found next to the app"
                : $"ImageNet, from {onnx.Value.Model}", onnx is not null),
            new("resnet18, resnet34, resnet50", "random initialisation", true),
            new("resnet18:PATH, resnet34:PATH, resnet50:PATH", "your torchvision state dict (.pth or .safetensors)", true),
            new("tiny", "random initialisation, a very small ResNet for tests", true),
        ];
    }

    public static Backbone Create(string spec)
    {
        TorchRuntime.EnsureLoaded();
        if (spec == ImageNetResNet18) return LoadImageNetResNet18();
        if (spec.StartsWith(ImageNetResNet18 + ":", StringComparison.Ordinal))
        {
            // The converted weights exported to a file (e.g. fp16 safetensors for a machine without the ONNX model).
            var exported = UntrainedImageNetResNet18();
            TorchvisionWeights.Load(exported, spec[(ImageNetResNet18.Length + 1)..]);
            return exported;
        }
        var colon = spec.IndexOf(':');
        var name = colon < 0 ? spec : spec[..colon];
        if (!Architectures.TryGetValue(name, out var architecture))
            throw new SpotterException($"unknown backbone '{spec}'; choose {ImageNetResNet18}, resnet18, resnet34, resnet50, tiny, or resnet18|34|50:PATH");
        var weightsPath = colon < 0 ? null : spec[(colon + 1)..];
        var backbone = new ResNetBackbone(architecture, InputNormalization.MeanStd(InputNormalization.ImageNetMean, InputNormalization.ImageNetStd));
        if (weightsPath is not null) TorchvisionWeights.Load(backbone, weightsPath);
        return backbone;
    }

    /// <summary>
    /// The backbone's structure with untrained weights, for loading a saved model whose weights
    /// (normalisation constants included) come from its own file.
    /// </summary>
    public static Backbone CreateUntrained(string spec)
    {
        TorchRuntime.EnsureLoaded();
        if (spec == ImageNetResNet18 || spec.StartsWith(ImageNetResNet18 + ":", StringComparison.Ordinal))
            return UntrainedImageNetResNet18();
        var name = spec.Split(':', 2)[0];
        if (!Architectures.TryGetValue(name, out var architecture))
            throw new SpotterException($"unknown backbone '{spec}'");
        return new ResNetBackbone(architecture, InputNormalization.MeanStd(InputNormalization.ImageNetMean, InputNormalization.ImageNetStd));
    }

    /// <summary>
    /// Writes resnet18-imagenet's converted weights as fp16 safetensors (about 23 MB), loadable with
    /// <c>--backbone resnet18-imagenet:FILE</c> on a machine without the ONNX model (docs/GPU.md).
    /// </summary>
    public static void ExportImageNetResNet18(string path)
    {
        using var backbone = LoadImageNetResNet18();
        using var scope = torch.NewDisposeScope();
        var half = backbone.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.to(torch.ScalarType.Float16));
        Runtime.AtomicFile.Write(path, temp => TorchSharp.PyBridge.Safetensors.SaveStateDict(temp, half));
    }

    /// <summary>Converts the ONNX model on first use and caches the result as a TorchSharp weights file.</summary>
    public static ResNetBackbone LoadImageNetResNet18(string? cacheDirectory = null)
    {
        var onnx = FindOnnxFiles() ?? throw new SpotterException(
            $"the {ImageNetResNet18} weights (DnnImageModels/ResNet18.onnx) are not next to the app; rebuild it (the build copies them from the Microsoft.ML.DnnImageFeaturizer.ResNet18 package) or set SPOTTER_DNN_MODELS to the folder that holds ResNet18.onnx");
        var cached = Path.Combine(cacheDirectory ?? SpotterPaths.CacheDirectory, "backbones", $"{ImageNetResNet18}-v{ConverterVersion}-{Fingerprint(onnx.Model, onnx.Preprocess)}.bin");
        if (File.Exists(cached))
        {
            var backbone = UntrainedImageNetResNet18();
            try
            {
                backbone.load(cached);
                return backbone;
            }
            catch (Exception)
            {
                backbone.Dispose(); // a damaged cache entry: convert again below
            }
        }
        var converted = OnnxResNetImporter.Import(onnx.Model, onnx.Preprocess);
        TryCache(converted, cached);
        return converted;
    }

    // The CNTK ResNet18's structure; its weights and mean image come from a file.
    private static ResNetBackbone UntrainedImageNetResNet18() =>
        new(ResNetSpec.CntkResNet18, InputNormalization.MeanImageBgr255(zeros(1, 3, 224, 224)));

    private static void TryCache(nn.Module module, string path)
    {
        try
        {
            AtomicFile.Write(path, temp => module.save(temp));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The cache only saves time; a read-only home folder must not stop the run.
        }
    }

    private static (string Model, string Preprocess)? FindOnnxFiles()
    {
        var folders = new List<string>();
        var configured = Environment.GetEnvironmentVariable("SPOTTER_DNN_MODELS");
        if (!string.IsNullOrEmpty(configured)) folders.Add(configured);
        folders.Add(Path.Combine(AppContext.BaseDirectory, "DnnImageModels"));
        foreach (var folder in folders)
        {
            var model = Path.Combine(folder, "ResNet18.onnx");
            var preprocess = Path.Combine(folder, "ResNetPreprocess.onnx");
            if (File.Exists(model) && File.Exists(preprocess)) return (model, preprocess);
        }
        return null;
    }

    private static string Fingerprint(params string[] paths)
    {
        using var sha = SHA256.Create();
        foreach (var path in paths)
        {
            var bytes = File.ReadAllBytes(path);
            sha.TransformBlock(bytes, 0, bytes.Length, null, 0);
        }
        sha.TransformFinalBlock([], 0, 0);
        return Convert.ToHexString(sha.Hash!)[..16].ToLowerInvariant();
    }
}
