using SkiaSharp;

namespace Spotter.Inference;

/// <summary>
/// A trained Spotter model, ready to find objects in images. Every front end (the .NET API,
/// <c>spotter detect</c> and <c>eval</c>, the HTTP server) and every backend (TorchSharp, ONNX
/// Runtime) meet here. Boxes come back in the pixels of the image given, best first; detections
/// scoring below the threshold given (default <see cref="DetectorInfo.DefaultThreshold"/>)
/// are left out. Implementations are safe to call from several threads.
/// </summary>
public interface IDetector : IDisposable
{
    DetectorInfo Info { get; }

    /// <summary>Test-time flip: also run each image mirrored left-right and merge the answers (twice the compute).</summary>
    bool TestTimeFlip { get; set; }

    /// <summary>Sliced inference for large images (<see cref="Inference.Tiling"/>); null (the default) runs each image whole.</summary>
    Tiling? Tiling { get; set; }

    /// <summary>The input size to give <see cref="Data.ImageFile.DecodeForInput(string, int, out int, out int)"/> for this detector (tiling decodes at full size).</summary>
    int DecodeSize { get; }

    IReadOnlyList<Detection> Detect(string imagePath, float? threshold = null);

    IReadOnlyList<Detection> Detect(Stream image, float? threshold = null);

    IReadOnlyList<Detection> Detect(SKBitmap image, float? threshold = null);

    /// <summary>Several images as one batch (faster than one by one).</summary>
    IReadOnlyList<IReadOnlyList<Detection>> Detect(IReadOnlyList<string> imagePaths, float? threshold = null);

    /// <summary>Several images as one batch (faster than one by one).</summary>
    IReadOnlyList<IReadOnlyList<Detection>> Detect(IReadOnlyList<SKBitmap> images, float? threshold = null);

    /// <summary>Images decoded for the input (perhaps at a reduced scale, see <see cref="Data.ImageFile.DecodeForInput(string, int, out int, out int)"/>) with their own sizes: detections in each image's pixels.</summary>
    IReadOnlyList<IReadOnlyList<Detection>> DetectDecoded(IReadOnlyList<DecodedImage> images, float? threshold = null);

    /// <summary>
    /// Images already squashed to the input size as RGB bytes in planes (count x 3 x S x S, see
    /// <see cref="Data.ImagePixels"/>): detections in input pixels, best first.
    /// </summary>
    IReadOnlyList<IReadOnlyList<Detection>> DetectInputs(byte[] pixels, int count, float? threshold = null);
}
