namespace Spotter.Runtime;

/// <summary>Where Spotter keeps files between runs.</summary>
public static class SpotterPaths
{
    /// <summary>
    /// The cache folder: $SPOTTER_CACHE, else $XDG_CACHE_HOME/spotter, else ~/.cache/spotter
    /// (on Windows, %LOCALAPPDATA%\spotter).
    /// </summary>
    public static string CacheDirectory
    {
        get
        {
            var explicitDir = Environment.GetEnvironmentVariable("SPOTTER_CACHE");
            if (!string.IsNullOrEmpty(explicitDir)) return explicitDir;
            var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            if (!string.IsNullOrEmpty(xdg)) return Path.Combine(xdg, "spotter");
            if (OperatingSystem.IsWindows())
                return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "spotter");
            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "spotter");
        }
    }
}
