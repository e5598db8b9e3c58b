namespace Spotter.Data.Loading;

/// <summary>
/// Box-aware augmentation, as in the lessons: squash to Size x Size, random horizontal flip, a
/// small random rotation (boxes re-fitted around their rotated corners; large angles would
/// inflate them), random brightness and contrast, and (when <see cref="Saturation"/> is above 0)
/// saturation: each image's colours blended towards or away from its grey. For detection also scale jitter (SSD's zoom-in
/// and zoom-out): with <see cref="ZoomProbability"/> the view is magnified by a factor drawn
/// log-uniformly from 1/<see cref="MaxZoom"/> to <see cref="MaxZoom"/> at a random place: a zoom-in
/// crops (a box whose centre leaves the view is dropped, the rest clipped), a zoom-out shrinks the
/// image onto a grey canvas. With <see cref="Mosaic"/> (a probability), a training view is four images
/// side by side, each at <see cref="MosaicScale"/> of the size (<see cref="Loading.Mosaic"/>), and with
/// <see cref="CopyPaste"/> (a probability) an object from another image is pasted beside one of the
/// view's (<see cref="Loading.CopyPaste"/>), before the rest applies. The largest-object tasks keep
/// zoom, mosaic and pastes off: a crop could cut away the object, and a mosaic or a paste adds more.
/// </summary>
public sealed record AugmentOptions(
    int Size,
    double FlipProbability = 0.5,
    double MaxRotationDegrees = 3,
    double RotationProbability = 0.5,
    double Brightness = 0.05,
    double Contrast = 0.05,
    double ZoomProbability = 0,
    double MaxZoom = 1,
    double Saturation = 0,
    double Mosaic = 0,
    double MosaicScale = Loading.Mosaic.DefaultScale,
    double CopyPaste = 0)
{
    /// <summary>Only the squash: for validation and inference.</summary>
    public static AugmentOptions None(int size) => new(size, 0, 0, 0, 0, 0);

    /// <summary>
    /// The training augmentation of a task: scale jitter up to <paramref name="maxZoom"/> (1 = none)
    /// for detection, half the time; <paramref name="colorJitter"/> given: brightness, contrast and
    /// saturation each up to that much (else brightness and contrast 0.05, no saturation); for detection
    /// a mosaic with probability <paramref name="mosaic"/>, of images at <paramref name="mosaicScale"/> of the size,
    /// and a paste with probability <paramref name="copyPaste"/>.
    /// </summary>
    public static AugmentOptions ForTraining(int size, bool detect, double maxZoom, double? colorJitter = null, double mosaic = 0, double mosaicScale = Loading.Mosaic.DefaultScale, double copyPaste = 0)
    {
        var options = detect && maxZoom > 1 ? new AugmentOptions(size, ZoomProbability: 0.5, MaxZoom: maxZoom) : new AugmentOptions(size);
        if (detect) options = options with { Mosaic = mosaic, MosaicScale = mosaicScale, CopyPaste = copyPaste };
        return colorJitter is { } jitter ? options with { Brightness = jitter, Contrast = jitter, Saturation = jitter } : options;
    }

    public bool Zooms => ZoomProbability > 0 && MaxZoom > 1;

    public bool IsIdentity => FlipProbability == 0 && (MaxRotationDegrees == 0 || RotationProbability == 0) && Brightness == 0 && Contrast == 0 && Saturation == 0 && !Zooms && Mosaic == 0 && CopyPaste == 0;
}
