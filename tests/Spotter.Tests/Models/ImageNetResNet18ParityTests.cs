using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Spotter.Models.Backbones;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace Spotter.Tests.Models;

/// <summary>
/// The converted resnet18-imagenet must compute what the original ONNX graphs compute: ONNX
/// Runtime runs ML.NET's preprocessing and ResNet18 graphs on RGB 0..255 input, Spotter's module
/// runs on the same image as RGB 0..1, and the 512 pooled features must agree.
/// </summary>
public sealed class ImageNetResNet18ParityTests : IClassFixture<ImageNetResNet18ParityTests.Models>
{
    public sealed class Models : IDisposable
    {
        private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "DnnImageModels");
        public InferenceSession Preprocess { get; } = new(Path.Combine(Folder, "ResNetPreprocess.onnx"));
        public InferenceSession ResNet { get; } = new(Path.Combine(Folder, "ResNet18.onnx"));
        public ResNetBackbone Backbone { get; } = OnnxResNetImporter.Import(Path.Combine(Folder, "ResNet18.onnx"), Path.Combine(Folder, "ResNetPreprocess.onnx"));

        public Models() => Backbone.eval();

        public void Dispose()
        {
            Preprocess.Dispose();
            ResNet.Dispose();
            Backbone.Dispose();
        }
    }

    private readonly ITestOutputHelper _log;
    private readonly Models _models;

    public ImageNetResNet18ParityTests(ITestOutputHelper log, Models models)
    {
        _log = log;
        _models = models;
    }

    [Fact]
    public void Pooled_features_match_onnx_runtime_on_random_pixels()
    {
        using var scope = NewDisposeScope();
        var image = rand(new long[] { 1, 3, 224, 224 }, generator: new Generator(7));
        AssertParity(image, "random pixels");
    }

    [Fact]
    public void Pooled_features_match_onnx_runtime_on_a_structured_scene()
    {
        using var scope = NewDisposeScope();
        AssertParity(StructuredScene(), "structured scene");
    }

    private void AssertParity(Tensor image01, string what)
    {
        var expected = OnnxFeatures(image01);
        using var _ = no_grad();
        var actual = _models.Backbone.PooledFeatures(image01).data<float>().ToArray();
        var maxAbs = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        var scale = expected.Max(Math.Abs);
        _log.WriteLine($"{what}: max |onnx - spotter| = {maxAbs:E2} over 512 pooled features (largest feature {scale:F3})");
        Assert.True(maxAbs < 1e-3, $"{what}: max abs difference {maxAbs}");
        Assert.True(scale > 0.1, "features are not trivially zero");
    }

    private float[] OnnxFeatures(Tensor image01)
    {
        var pixels = (image01 * 255).contiguous().data<float>().ToArray();
        var input = new DenseTensor<float>(pixels, [1, 3, 224, 224]);
        using var prepared = _models.Preprocess.Run([NamedOnnxValue.CreateFromTensor("OriginalInput", input)]);
        var preprocessed = prepared.First().AsTensor<float>().ToDenseTensor();
        using var features = _models.ResNet.Run([NamedOnnxValue.CreateFromTensor("Input247", preprocessed)]);
        return features.First().AsTensor<float>().ToArray();
    }

    // A smooth, photo-like image: coloured gradients, a disc and a bar (spatial structure that
    // random noise lacks, exercising the network's ordinary operating range).
    private static Tensor StructuredScene()
    {
        var y = linspace(0, 1, 224).reshape(224, 1).expand(224, 224);
        var x = linspace(0, 1, 224).reshape(1, 224).expand(224, 224);
        var r = 0.5 + 0.4 * sin(6 * x + 2 * y);
        var g = 0.3 + 0.5 * y;
        var b = 0.6 - 0.4 * x;
        var disc = ((x - 0.6).square() + (y - 0.4).square() < 0.04).to(float32);
        var bar = ((x > 0.1) & (x < 0.3) & (y > 0.6) & (y < 0.9)).to(float32);
        r = r * (1 - disc) + 0.9 * disc;
        g = g * (1 - bar) + 0.1 * bar;
        return stack([r, g, b]).unsqueeze(0).clamp(0, 1).to(float32);
    }
}
