using SkiaSharp;

namespace Spotter.Visualization;

/// <summary>
/// The bold sans-serif face used for labels. Spotter's Skia build has no font configuration, so
/// common font files are tried by path; without any, Skia's default face is used.
/// </summary>
public static class LabelFont
{
    private static readonly string[] Candidates =
    [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
        "/usr/share/fonts/liberation-sans/LiberationSans-Bold.ttf",
        "/System/Library/Fonts/Supplemental/Arial Bold.ttf",
        @"C:\Windows\Fonts\arialbd.ttf",
    ];

    private static readonly Lazy<SKTypeface> Face = new(() =>
        FilePath is { } path ? SKTypeface.FromFile(path) ?? SKTypeface.Default : SKTypeface.Default);

    /// <summary>The font file in use, or null when none of the usual ones exists.</summary>
    public static string? FilePath => Candidates.FirstOrDefault(File.Exists);

    public static SKTypeface Typeface => Face.Value;
}
