using Spotter.Models;
using Spotter.Runtime;
using Spotter.Tests.Cli;
using Spotter.Tests.Training;
using TorchSharp;

namespace Spotter.Tests.Models;

public sealed class PrecisionTests(TrainingFixture fixture) : IClassFixture<TrainingFixture>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("spotter-precision-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Auto_means_bf16_only_on_a_cpu_with_bf16_arithmetic()
    {
        Assert.Equal(Precision.Fp32, Precisions.Resolve(Precision.Fp32, DeviceType.CPU));
        Assert.Equal(Precision.Bf16, Precisions.Resolve(Precision.Bf16, DeviceType.CPU));
        Assert.Equal(Precision.Fp32, Precisions.Resolve(Precision.Auto, DeviceType.CUDA));
        var expected = CpuFeatures.Current.Flags.Contains("avx512_bf16") || CpuFeatures.Current.Flags.Contains("amx_bf16") ? Precision.Bf16 : Precision.Fp32;
        Assert.Equal(expected, Precisions.Resolve(Precision.Auto, DeviceType.CPU));
    }

    [Fact]
    public void Training_follows_an_explicit_precision_and_auto_is_fp32_on_zen_5()
    {
        Assert.Equal(Precision.Bf16, Precisions.ResolveForTraining(Precision.Bf16, DeviceType.CPU));
        Assert.Equal(Precision.Fp32, Precisions.ResolveForTraining(Precision.Fp32, DeviceType.CPU));
        var expected = CpuFeatures.Current.HasFaultyBackwardConvolutions ? Precision.Fp32 : Precisions.Resolve(Precision.Auto, DeviceType.CPU);
        Assert.Equal(expected, Precisions.ResolveForTraining(Precision.Auto, DeviceType.CPU));
    }

    [Theory]
    [InlineData("AuthenticAMD", 26, "avx2 avx512f avx512_bf16", true)] // Zen 5: the faulty backward convolutions
    [InlineData("AuthenticAMD", 25, "avx2 avx512f avx512_bf16", false)] // Zen 4
    [InlineData("AuthenticAMD", 26, "avx2", false)] // AVX-512 off (a hypervisor's choice): not measured, not marked
    [InlineData("GenuineIntel", 6, "avx2 avx512f amx_bf16", false)]
    public void Only_zen_5_with_avx512_is_marked_as_having_faulty_backward_convolutions(string vendor, int family, string flags, bool capped)
    {
        var cpu = new CpuFeatures("a CPU", flags.Split(' ').ToHashSet(), vendor, family);
        Assert.Equal(capped, cpu.HasFaultyBackwardConvolutions);
        Assert.Contains($"(family {family})", cpu.Describe());
    }

    [Fact]
    public void A_bf16_detector_keeps_its_input_normalisation_in_fp32_and_answers_like_the_fp32_one()
    {
        // The lessons' box regressor: one box per image straight from a linear layer, comparable
        // without any ranking or vote that an untrained model could tie.
        using (var model = fixture.Model(ModelTask.LocateLargest, size: 64, boxHead: Spotter.Models.Largest.BoxHeadKind.Lesson))
            ModelFile.Save(model, _folder);
        using var fp32 = Detector.Load(_folder, "cpu", Precision.Fp32);
        using var bf16 = Detector.Load(_folder, "cpu", Precision.Bf16);
        Assert.Equal(Precision.Bf16, bf16.Info.Precision);
        var images = fixture.Dataset.Images.Take(4).Select(i => i.Path).ToList();
        var a = fp32.Detect(images, threshold: 0);
        var b = bf16.Detect(images, threshold: 0);
        for (var i = 0; i < images.Count; i++)
        {
            var (x, y) = (Assert.Single(a[i]).Box, Assert.Single(b[i]).Box);
            // bf16 keeps 8 bits of mantissa: on a 96 px image the box moves by at most a few pixels.
            Assert.InRange(Math.Abs(x.X1 - y.X1) + Math.Abs(x.Y1 - y.Y1) + Math.Abs(x.X2 - y.X2) + Math.Abs(x.Y2 - y.Y2), 0, 8);
        }
    }

    [Fact]
    public void An_exported_model_refuses_bf16_with_one_line()
    {
        var onnx = Path.Combine(_folder, "x.onnx");
        File.WriteAllText(onnx, "not read");
        var (code, _, error) = CliRunner.Run("detect", onnx, fixture.Dataset.Images[0].Path, "--out", Path.Combine(_folder, "d"), "--precision", "bf16");
        Assert.Equal(1, code);
        Assert.Contains("bf16", error);
    }
}
