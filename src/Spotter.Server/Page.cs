namespace Spotter.Server;

/// <summary>The web page (wwwroot/index.html, embedded in the assembly): no files to deploy, nothing fetched from elsewhere.</summary>
public static class Page
{
    public static string Html { get; } = Load();

    private static string Load()
    {
        using var stream = typeof(Page).Assembly.GetManifestResourceStream("Spotter.Server.index.html")
                           ?? throw new InvalidOperationException("the web page is missing from the assembly");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
