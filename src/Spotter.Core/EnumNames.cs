using System.Reflection;
using System.Text.Json.Serialization;

namespace Spotter;

/// <summary>
/// The names of Spotter's enums as users type them and files hold them: each member's
/// <see cref="JsonStringEnumMemberNameAttribute"/>, so the command line and JSON share one list.
/// </summary>
public static class EnumNames
{
    public static string Name<T>(this T value) where T : struct, Enum =>
        typeof(T).GetField(value.ToString())?.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? value.ToString().ToLowerInvariant();

    public static IReadOnlyList<string> All<T>() where T : struct, Enum => Enum.GetValues<T>().Select(Name).ToList();

    /// <summary>The member called <paramref name="name"/>; otherwise one line naming what was asked (<paramref name="what"/>, e.g. "--task") and the choices.</summary>
    public static T Parse<T>(string name, string what) where T : struct, Enum
    {
        foreach (var value in Enum.GetValues<T>())
            if (string.Equals(value.Name(), name, StringComparison.Ordinal)) return value;
        throw new SpotterException($"unknown {what} '{name}'; choose {string.Join(", ", All<T>())}");
    }

    /// <summary>The names of an enum type known only at run time.</summary>
    public static IReadOnlyList<string> All(Type type) =>
        Enum.GetNames(type).Select(n => type.GetField(n)!.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? n.ToLowerInvariant()).ToList();

    /// <summary>The member of an enum type known only at run time called <paramref name="name"/>.</summary>
    public static object Parse(Type type, string name, string what)
    {
        var names = All(type);
        var at = names.ToList().IndexOf(name);
        if (at < 0) throw new SpotterException($"unknown {what} '{name}'; choose {string.Join(", ", names)}");
        return Enum.Parse(type, Enum.GetNames(type)[at]);
    }
}
