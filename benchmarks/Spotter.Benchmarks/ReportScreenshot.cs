using PuppeteerSharp;

namespace Spotter.Benchmarks;

/// <summary>
/// The README's pictures of report.html: the page opened from its file in headless Chromium
/// (Debian's), each named section saved as its own PNG (OUT_PREFIX-SECTION.png).
/// <c>dotnet run -c Release --project benchmarks/Spotter.Benchmarks -- screenshot-report REPORT.html OUT_PREFIX SECTION...</c>
/// </summary>
public static class ReportScreenshot
{
    public static async Task Run(string report, string prefix, IReadOnlyList<string> sections)
    {
        var profile = Directory.CreateTempSubdirectory("spotter-shot-").FullName;
        await using (var browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium", Headless = true, UserDataDir = profile,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
        }))
        {
            await using var page = await browser.NewPageAsync();
            await page.SetViewportAsync(new ViewPortOptions { Width = 1150, Height = 900 });
            await page.GoToAsync(new Uri(Path.GetFullPath(report)).AbsoluteUri, WaitUntilNavigation.Load);
            foreach (var section in sections)
            {
                var element = await page.QuerySelectorAsync($"#{section}") ?? throw new InvalidOperationException($"no section '{section}'");
                var output = $"{prefix}-{section}.png";
                await element.ScreenshotAsync(output);
                Console.WriteLine($"Wrote {output}");
            }
        }
        Directory.Delete(profile, recursive: true);
    }
}
