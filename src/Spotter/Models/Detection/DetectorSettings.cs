using Spotter.Boxes;

namespace Spotter.Models.Detection;

/// <summary>
/// How a detector lays its anchors and decodes boxes. "default": feature maps at strides 8, 16,
/// 32 and 64 (three backbone stages and one extra stride-2 block), anchors 3 cells wide with
/// zooms 0.7, 1, 1.4 and ratios 1:1, 1:2, 2:1 (small objects get anchors from the stride-8 map),
/// SSD offset coding; zooms, ratios and the scale (anchor width in cells) can be changed. "lesson": lesson 9's 4x4, 2x2, 1x1 grids and tanh decoding.
/// </summary>
public sealed record DetectorSettings(string Anchors = "default", string Coder = "ssd", double PositiveIou = 0.5, double NegativeIou = 0.4,
    double FocalAlpha = 0.25, double FocalGamma = 2, double ScoreThreshold = 0.05, double NmsIou = 0.5, int MaxDetections = 100,
    IReadOnlyList<double>? Zooms = null, IReadOnlyList<double>? Ratios = null, double AnchorScale = 3)
{
    public static readonly double[] DefaultZooms = [0.7, 1.0, 1.4];
    public static readonly double[] DefaultRatios = [1.0, 0.5, 2.0];

    public AnchorSpec AnchorSpecFor(int inputSize) => Anchors switch
    {
        // The extra block halves the last map rounding up (7 -> 4 at 224), so any multiple of 32 works.
        "default" => new AnchorSpec([inputSize / 8, inputSize / 16, inputSize / 32, (inputSize / 32 + 1) / 2], Zooms ?? DefaultZooms, Ratios ?? DefaultRatios, AnchorScale),
        // Lesson 9's grids are what three stride-2 blocks make of the last map: 7 -> 4 -> 2 -> 1 at 224.
        "lesson" => AnchorSpec.Lesson with { Grids = LessonGrids(inputSize / 32) },
        _ => throw new SpotterException($"unknown anchors '{Anchors}'; choose default or lesson"),
    };

    private static int[] LessonGrids(int last)
    {
        var first = (last + 1) / 2;
        var second = (first + 1) / 2;
        return [first, second, (second + 1) / 2];
    }

    public IBoxCoder CoderFor(AnchorSpec spec, int inputSize) => Coder switch
    {
        "ssd" => new SsdBoxCoder(),
        "lesson" => new LessonBoxCoder(Boxes.Anchors.CellSizes(spec, inputSize)),
        _ => throw new SpotterException($"unknown box coder '{Coder}'; choose ssd or lesson"),
    };
}
