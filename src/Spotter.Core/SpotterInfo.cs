namespace Spotter;

/// <summary>Facts about this build of Spotter.</summary>
public static class SpotterInfo
{
    /// <summary>The version of the Spotter packages (one version for all), e.g. 0.2.0.</summary>
    public static string Version { get; } = typeof(SpotterInfo).Assembly.GetName().Version?.ToString(3) ?? "unknown";
}
