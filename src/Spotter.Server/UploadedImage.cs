using Microsoft.AspNetCore.Http;
using SkiaSharp;
using Spotter.Data;

namespace Spotter.Server;

/// <summary>
/// An uploaded image, read the careful way: the body (a multipart field <c>image</c>, or the raw
/// body) within the size limit, then the image's header, and only if its pixel count is allowed,
/// its pixels. Each refusal is an <see cref="ApiException"/> with the status that fits.
/// </summary>
public static class UploadedImage
{
    public static async Task<byte[]> ReadBytesAsync(HttpRequest request, CancellationToken cancel)
    {
        using var buffer = new MemoryStream();
        // Only multipart bodies are forms here; anything else (curl's default urlencoded type included) is the image itself.
        if (request.ContentType?.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase) == true)
        {
            var form = await request.ReadFormAsync(cancel);
            var file = form.Files.GetFile("image") ?? throw new ApiException(400, "a multipart upload needs a file field named 'image'");
            await using var stream = file.OpenReadStream();
            await stream.CopyToAsync(buffer, cancel);
        }
        else
        {
            await request.Body.CopyToAsync(buffer, cancel);
        }
        if (buffer.Length == 0) throw new ApiException(400, "no image in the request (send it as the body or as a multipart field 'image')");
        return buffer.ToArray();
    }

    /// <summary>
    /// Decodes the image for a model of <paramref name="inputSize"/> (as every prediction path does,
    /// <see cref="ImageFile.DecodeForInput(Stream, int, out int, out int, string, bool)"/>) if its
    /// header says it is an image of at most <paramref name="maxPixels"/> pixels; width and height are its own.
    /// </summary>
    public static SKBitmap Decode(byte[] bytes, long maxPixels, int inputSize, out int width, out int height)
    {
        using (var data = SKData.CreateCopy(bytes))
        using (var codec = SKCodec.Create(data))
        {
            if (codec is null) throw new ApiException(415, "not an image Spotter reads (JPEG, PNG, WebP, BMP or GIF)");
            var pixels = (long)codec.Info.Width * codec.Info.Height;
            if (pixels > maxPixels)
                throw new ApiException(422, $"the image is {codec.Info.Width} x {codec.Info.Height} pixels, more than the {maxPixels:N0} allowed (--max-pixels)");
        }
        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            return ImageFile.DecodeForInput(stream, inputSize, out width, out height, "the upload", complete: true);
        }
        catch (SpotterException e)
        {
            throw new ApiException(400, e.Message);
        }
    }
}
