namespace Spotter.Data;

/// <summary>What an image file's header says, read without decoding the pixels.</summary>
public sealed record ImageInfo(int Width, int Height, string Format, bool LooksTruncated);
