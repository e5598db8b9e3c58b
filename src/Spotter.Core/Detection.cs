using System.Text.Json.Serialization;
using Spotter.Boxes;
using Spotter.Inference;

namespace Spotter;

/// <summary>
/// An object found in an image: its class name and index, its confidence, and its box in the
/// pixels of the image it was found in (the model's input inside the models, the original image
/// once a detector returns it). A model that predicts no class names its objects
/// <see cref="Unclassified"/> with index -1. In JSON: <c>{"class", "score", "box": [x1, y1, x2, y2]}</c>.
/// </summary>
[JsonConverter(typeof(DetectionJsonConverter))]
public sealed record Detection(string Class, int ClassIndex, float Score, Box Box)
{
    public const string Unclassified = "object";

    /// <summary>A detection of class <paramref name="classIndex"/> of <paramref name="classes"/> (-1: unclassified).</summary>
    public static Detection Of(int classIndex, float score, Box box, IReadOnlyList<string> classes) =>
        new(classIndex < 0 ? Unclassified : classes[classIndex], classIndex, score, box);

    /// <summary>From the pixels of the S x S input to a width x height image (the squash scales x and y apart), clipped to it.</summary>
    public Detection FromInput(int inputSize, int width, int height) =>
        this with { Box = Box.Scale((float)width / inputSize, (float)height / inputSize).ClipTo(width, height) };
}
