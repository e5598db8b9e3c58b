using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using SkiaSharp;

namespace Spotter.Tests.Data;

/// <summary>Small files made on the spot: images in awkward encodings and annotation files.</summary>
public static class Fixtures
{
    /// <summary>An 8-bit image filled with one colour, with a different colour in the top-left quarter.</summary>
    public static SKBitmap TwoToneBitmap(int width, int height, SKColor fill, SKColor corner)
    {
        var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(fill);
        using var paint = new SKPaint { Color = corner };
        canvas.DrawRect(0, 0, width / 2f, height / 2f, paint);
        return bitmap;
    }

    public static void WriteImage(string path, SKBitmap bitmap, SKEncodedImageFormat format)
    {
        using var data = bitmap.Encode(format, 95);
        File.WriteAllBytes(path, data.ToArray());
    }

    public static void WriteImage(string path, int width, int height, SKEncodedImageFormat format = SKEncodedImageFormat.Jpeg)
    {
        using var bitmap = TwoToneBitmap(width, height, SKColors.SteelBlue, SKColors.Orange);
        WriteImage(path, bitmap, format);
    }

    /// <summary>A 16-bit-per-channel RGBA PNG (colour type 6, bit depth 16), written byte by byte.</summary>
    public static void Write16BitPng(string path, int width, int height, ushort r, ushort g, ushort b)
    {
        var raw = new MemoryStream();
        for (var y = 0; y < height; y++)
        {
            raw.WriteByte(0); // filter: none
            for (var x = 0; x < width; x++)
                foreach (var v in new[] { r, g, b, (ushort)65535 })
                {
                    raw.WriteByte((byte)(v >> 8));
                    raw.WriteByte((byte)v);
                }
        }
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 16; // bit depth
        header[9] = 6;  // RGBA
        var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true)) raw.WriteTo(z);
        using var file = File.Create(path);
        file.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        WriteChunk(file, "IHDR", header);
        WriteChunk(file, "IDAT", compressed.ToArray());
        WriteChunk(file, "IEND", []);
    }

    /// <summary>One PNG chunk: length, type, data and its CRC.</summary>
    public static void WriteChunk(Stream stream, string type, byte[] data)
    {
        var length = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        stream.Write(length);
        var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        stream.Write(typed);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typed));
        stream.Write(crc);
    }

    // PNG's CRC-32 (polynomial 0xEDB88320), bit by bit: fixtures are tiny.
    private static uint Crc32(byte[] bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
        }
        return ~crc;
    }

    /// <summary>A JPEG whose EXIF says "rotate 90 degrees clockwise to display" (orientation 6).</summary>
    public static void WriteRotatedJpeg(string path, SKBitmap stored)
    {
        using var data = stored.Encode(SKEncodedImageFormat.Jpeg, 95);
        var jpeg = data.ToArray();
        // APP1 "Exif\0\0" + a little-endian TIFF header with one IFD entry: 0x0112 (orientation) = 6.
        var tiff = new byte[] { 0x49, 0x49, 0x2A, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01, 0x00, 0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
        var payload = Encoding.ASCII.GetBytes("Exif\0\0").Concat(tiff).ToArray();
        var segment = new byte[] { 0xFF, 0xE1, (byte)((payload.Length + 2) >> 8), (byte)(payload.Length + 2) }.Concat(payload);
        File.WriteAllBytes(path, jpeg.Take(2).Concat(segment).Concat(jpeg.Skip(2)).ToArray());
    }

    /// <summary>A VOC annotation; objects are (name, xmin, ymin, xmax, ymax) in VOC's 1-based pixels.</summary>
    public static string VocXml(string fileName, int width, int height, params (string Name, int XMin, int YMin, int XMax, int YMax)[] objects)
    {
        var xml = new StringBuilder();
        xml.AppendLine("<annotation>");
        xml.AppendLine("  <folder>/home/someone/elsewhere</folder>");
        xml.AppendLine($"  <filename>{fileName}</filename>");
        xml.AppendLine($"  <path>/home/someone/elsewhere/{fileName}</path>");
        xml.AppendLine($"  <size><width>{width}</width><height>{height}</height><depth>3</depth></size>");
        foreach (var o in objects)
            xml.AppendLine($"  <object><name>{o.Name}</name><difficult>0</difficult><bndbox><xmin>{o.XMin}</xmin><ymin>{o.YMin}</ymin><xmax>{o.XMax}</xmax><ymax>{o.YMax}</ymax></bndbox></object>");
        xml.AppendLine("</annotation>");
        return xml.ToString();
    }
}
