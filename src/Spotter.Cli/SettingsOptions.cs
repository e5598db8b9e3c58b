using System.CommandLine;
using System.Globalization;
using System.Reflection;
using System.Runtime.ExceptionServices;
using Spotter.Settings;

namespace Spotter.Cli;

/// <summary>
/// Command-line options made from a settings record: one per property marked
/// <see cref="CliOptionAttribute"/>, typed by the property (numbers, lists of numbers, Spotter
/// enums by their names), its help showing the default. <see cref="Apply"/> copies the record and
/// sets what the user gave; the record's own checks reject bad values with one line.
/// </summary>
public sealed class SettingsOptions<T> where T : class
{
    private readonly List<(PropertyInfo Property, Option Option)> _options = [];

    /// <param name="include">Which options to offer, by their names (default: all).</param>
    public SettingsOptions(T defaults, Func<string, bool>? include = null)
    {
        foreach (var property in typeof(T).GetProperties())
            if (property.GetCustomAttribute<CliOptionAttribute>() is { } cli && (include is null || include(cli.Name)))
                _options.Add((property, Create(property, cli, property.GetValue(defaults))));
    }

    public IEnumerable<Option> Options => _options.Select(o => o.Option);

    /// <summary>A copy of <paramref name="start"/> with every option the user gave set.</summary>
    public T Apply(ParseResult parse, T start)
    {
        var copy = (T)typeof(T).GetMethod("<Clone>$")!.Invoke(start, null)!;
        foreach (var (property, option) in _options)
        {
            if (parse.GetResult(option) is not { } result || result.Implicit) continue;
            var tokens = result.Tokens.Select(t => t.Value).ToList();
            try
            {
                property.SetValue(copy, Convert(property.PropertyType, tokens, option.Name));
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            }
        }
        return copy;
    }

    private static Option Create(PropertyInfo property, CliOptionAttribute cli, object? defaultValue)
    {
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        var isList = IsList(type);
        var shown = defaultValue is null or System.Collections.IEnumerable and not string ? "" : $" (default {Show(defaultValue)})";
        Option option = isList
            ? new Option<string[]>(cli.Name) { AllowMultipleArgumentsPerToken = true, HelpName = "N" }
            : new Option<string>(cli.Name) { HelpName = type.IsEnum ? string.Join("|", EnumNames.All(type)) : "N" };
        option.Description = cli.Description + shown;
        return option;
    }

    private static object Convert(Type propertyType, IReadOnlyList<string> tokens, string name)
    {
        var type = Nullable.GetUnderlyingType(propertyType) ?? propertyType;
        if (IsList(type))
        {
            if (tokens.Count == 0) throw new SpotterException($"{name} needs one or more numbers");
            return tokens.Select(t => Number(t, name)).ToArray();
        }
        if (tokens.Count != 1) throw new SpotterException($"{name} takes one value");
        if (type.IsEnum) return EnumNames.Parse(type, tokens[0], name);
        if (type == typeof(int))
            return int.TryParse(tokens[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : throw new SpotterException($"{name}: '{tokens[0]}' is not a whole number");
        if (type == typeof(double)) return Number(tokens[0], name);
        throw new InvalidOperationException($"no command-line form for {type.Name} ({name})");
    }

    private static double Number(string text, string name) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : throw new SpotterException($"{name}: '{text}' is not a number");

    private static bool IsList(Type type) => type != typeof(string) && typeof(System.Collections.IEnumerable).IsAssignableFrom(type);

    private static string Show(object value) => value switch
    {
        Enum e => EnumNames.All(e.GetType())[Array.IndexOf(Enum.GetValues(e.GetType()), e)],
        double d => d.ToString("0.####", CultureInfo.InvariantCulture),
        _ => System.Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}
