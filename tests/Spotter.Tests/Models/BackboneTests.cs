using System.Collections;
using Spotter.Models.Backbones;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Spotter.Tests.Models;

public sealed class BackboneTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("spotter-backbone-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Stages_have_strides_4_to_32_and_the_declared_channels()
    {
        using var scope = NewDisposeScope();
        using var backbone = BackboneCatalog.Create("tiny");
        var maps = backbone.Stages(rand(2, 3, 64, 96));
        int[] strides = [4, 8, 16, 32];
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(new long[] { 2, backbone.StageChannels[i], 64 / strides[i], 96 / strides[i] }, maps[i].shape);
        }
        Assert.Equal(new long[] { 2, backbone.StageChannels[3] }, backbone.PooledFeatures(rand(2, 3, 64, 96)).shape);
    }

    [Fact]
    public void Layer_groups_hold_every_trainable_parameter_exactly_once()
    {
        using var backbone = BackboneCatalog.Create("resnet18");
        var grouped = backbone.LayerGroups.SelectMany(g => g).SelectMany(m => m.parameters()).Select(p => p.Handle).ToList();
        var all = backbone.parameters().Select(p => p.Handle).ToList();
        Assert.Equal(all.Count, grouped.Count);
        Assert.Equal(all.ToHashSet(), grouped.ToHashSet());
    }

    [Theory]
    [InlineData("state.pth")]
    [InlineData("state.safetensors")]
    public void A_torchvision_format_state_dict_loads_back_exactly(string fileName)
    {
        var path = Path.Combine(_folder, fileName);
        using var source = BackboneCatalog.Create("resnet18");
        if (fileName.EndsWith(".pth")) source.save_py(path); else source.save_safetensors(path);

        using var loaded = BackboneCatalog.Create("resnet18:" + path);
        var expected = source.state_dict();
        foreach (var (key, value) in loaded.state_dict())
            Assert.True(value.equal(expected[key]).all().item<bool>(), $"{key} differs after loading");
    }

    [Fact]
    public void The_classifier_of_a_torchvision_file_is_ignored()
    {
        var path = Path.Combine(_folder, "with-fc.pth");
        using var source = BackboneCatalog.Create("resnet18");
        var dict = new Hashtable();
        foreach (var (key, value) in source.state_dict()) dict[key] = value;
        dict["fc.weight"] = zeros(1000, 512);
        dict["fc.bias"] = zeros(1000);
        PyTorchPickler.PickleStateDict(path, dict);

        using var loaded = BackboneCatalog.Create("resnet18:" + path);
        Assert.True(loaded.state_dict()["layer4.1.conv2.weight"].equal(source.state_dict()["layer4.1.conv2.weight"]).all().item<bool>());
    }

    [Fact]
    public void A_state_dict_of_another_architecture_is_refused_naming_the_keys()
    {
        var path = Path.Combine(_folder, "resnet18.pth");
        using var source = BackboneCatalog.Create("resnet18");
        source.save_py(path);

        var error = Assert.Throws<SpotterException>(() => BackboneCatalog.Create("resnet34:" + path));
        Assert.Contains(path, error.Message);
        Assert.Contains("missing", error.Message);
        Assert.Contains("layer1.2.conv1.weight", error.Message); // resnet34 has 3 blocks in layer1
    }

    [Fact]
    public void A_file_that_is_not_a_state_dict_gives_a_clear_error()
    {
        var path = Path.Combine(_folder, "junk.pth");
        File.WriteAllText(path, "this is not a pickle");
        var error = Assert.Throws<SpotterException>(() => BackboneCatalog.Create("resnet18:" + path));
        Assert.StartsWith(path, error.Message);
    }

    [Fact]
    public void Unknown_backbone_names_are_refused()
    {
        var error = Assert.Throws<SpotterException>(() => BackboneCatalog.Create("vgg16"));
        Assert.Contains("vgg16", error.Message);
    }

    [Fact]
    public void ImageNet_resnet18_is_converted_once_then_loaded_from_the_cache()
    {
        using var scope = NewDisposeScope();
        var image = rand(new long[] { 1, 3, 160, 160 }, generator: new Generator(3));
        using var converted = BackboneCatalog.LoadImageNetResNet18(_folder);
        var cacheFiles = Directory.GetFiles(Path.Combine(_folder, "backbones"), "*.bin");
        Assert.Single(cacheFiles);

        using var cached = BackboneCatalog.LoadImageNetResNet18(_folder);
        converted.eval();
        cached.eval();
        using var _ = no_grad();
        Assert.True(converted.PooledFeatures(image).equal(cached.PooledFeatures(image)).all().item<bool>());
    }
}

public sealed class DeviceMoveTests
{
    [Theory]
    [InlineData("tiny")]
    [InlineData("resnet18")]
    public void A_backbone_moved_to_another_dtype_still_runs(string spec)
    {
        // Moving a module (to CUDA, or to float64 here on the CPU) replaces its buffer tensors;
        // nothing may keep using the old ones.
        using var scope = NewDisposeScope();
        using var backbone = BackboneCatalog.Create(spec);
        backbone.to(ScalarType.Float64);
        var features = backbone.PooledFeatures(rand(new long[] { 1, 3, 64, 64 }, dtype: ScalarType.Float64));
        Assert.Equal(ScalarType.Float64, features.dtype);
    }

    [Fact]
    public void The_imagenet_normalisation_survives_a_move()
    {
        using var scope = NewDisposeScope();
        using var backbone = BackboneCatalog.CreateUntrained(BackboneCatalog.ImageNetResNet18);
        backbone.to(ScalarType.Float64);
        Assert.Equal(new long[] { 1, 512 }, backbone.PooledFeatures(rand(new long[] { 1, 3, 96, 96 }, dtype: ScalarType.Float64)).shape);
    }
}
