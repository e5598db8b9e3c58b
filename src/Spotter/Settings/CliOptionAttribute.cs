namespace Spotter.Settings;

/// <summary>
/// Puts a setting on the command line: <c>spotter train</c> makes one option per property that
/// carries this attribute (its type gives the parsing: numbers, lists of numbers, Spotter enums by
/// their file names). A new model setting thus needs its property and its use in the factory,
/// nothing else.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class CliOptionAttribute(string name, string description) : Attribute
{
    /// <summary>The option as typed, e.g. <c>--anchor-zooms</c>.</summary>
    public string Name { get; } = name;

    public string Description { get; } = description;
}
