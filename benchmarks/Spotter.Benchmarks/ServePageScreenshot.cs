using PuppeteerSharp;
using Spotter.Onnx;
using Spotter.Server;

namespace Spotter.Benchmarks;

/// <summary>
/// The README's picture of <c>spotter serve</c>'s page: the model served in-process, the image
/// picked in headless Chromium (Debian's), the page saved as PNG.
/// <c>dotnet run -c Release --project benchmarks/Spotter.Benchmarks -- screenshot-serve MODEL.onnx IMAGE OUT.png</c>
/// </summary>
public static class ServePageScreenshot
{
    public static async Task Run(string model, string image, string output)
    {
        using var detector = OnnxDetector.Load(model);
        await using var server = DetectionServer.Create(detector, new ServerOptions { Port = 0 });
        await server.StartAsync();
        var profile = Directory.CreateTempSubdirectory("spotter-shot-").FullName;
        await using var browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium", Headless = true, UserDataDir = profile,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
        });
        await using var page = await browser.NewPageAsync();
        await page.SetViewportAsync(new ViewPortOptions { Width = 1180, Height = 860 });
        await page.GoToAsync(server.Address.ToString(), WaitUntilNavigation.Networkidle0);
        await page.WaitForFunctionAsync("() => window.spotter.model !== null");
        await (await page.QuerySelectorAsync("#file")).UploadFileAsync(Path.GetFullPath(image));
        await page.WaitForFunctionAsync("() => window.spotter.drawn > 0");
        await page.ScreenshotAsync(output);
        Directory.Delete(profile, recursive: true);
        Console.WriteLine($"Wrote {output}");
    }
}
