using PuppeteerSharp;
using Spotter.Server;

namespace Spotter.Tests.Server;

/// <summary>
/// The web page in a real browser: Debian's Chromium, headless, driven over the DevTools protocol
/// (PuppeteerSharp pointed at /usr/bin/chromium; nothing is downloaded). .ci/run installs Chromium.
/// </summary>
public sealed class WebPageTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("spotter-page-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    public static string ChromiumPath => Environment.GetEnvironmentVariable("SPOTTER_CHROMIUM") ?? "/usr/bin/chromium";

    public static Task<IBrowser> LaunchChromium(string profile) => Puppeteer.LaunchAsync(new LaunchOptions
    {
        ExecutablePath = File.Exists(ChromiumPath) ? ChromiumPath : throw new InvalidOperationException($"{ChromiumPath} not found: install Debian's chromium (.ci/run does)"),
        Headless = true,
        UserDataDir = profile,
        Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });

    [Fact]
    public async Task An_image_picked_on_the_page_is_drawn_with_its_boxes_and_the_slider_and_legend_filter_without_a_request()
    {
        var detector = new FakeDetector();
        await using var server = DetectionServer.Create(detector, new ServerOptions { Port = 0 });
        await server.StartAsync();
        var image = Path.Combine(_folder, "photo.png");
        await File.WriteAllBytesAsync(image, ServerTests.Png(320, 240));

        await using var browser = await LaunchChromium(Path.Combine(_folder, "profile"));
        await using var page = await browser.NewPageAsync();
        var problems = new List<string>();
        page.Console += (_, e) => { if (e.Message.Type == ConsoleType.Error) problems.Add(e.Message.Text); };
        page.PageError += (_, e) => problems.Add(e.Message);
        page.RequestFailed += (_, e) => problems.Add($"failed: {e.Request.Url}");

        await page.GoToAsync(server.Address.ToString(), WaitUntilNavigation.Networkidle0);
        await page.WaitForFunctionAsync("() => window.spotter.model !== null");
        Assert.Contains("cat", await page.EvaluateExpressionAsync<string>("document.getElementById('legend').textContent"));

        var input = await page.QuerySelectorAsync("#file");
        await input.UploadFileAsync(image);
        await page.WaitForFunctionAsync("() => window.spotter.result !== null && window.spotter.drawn > 0");
        Assert.Equal(1, await page.EvaluateExpressionAsync<int>("window.spotter.drawn"));        // cat 0.9 at the default 0.3; dog 0.2 hidden
        Assert.Contains("1 of 2", await page.EvaluateExpressionAsync<string>("document.getElementById('count').textContent"));
        Assert.Contains("\"class\": \"cat\"", await page.EvaluateExpressionAsync<string>("document.getElementById('json').textContent"));

        await page.EvaluateExpressionAsync("(() => { const s = document.getElementById('threshold'); s.value = 0.1; s.dispatchEvent(new Event('input')); })()");
        Assert.Equal(2, await page.EvaluateExpressionAsync<int>("window.spotter.drawn"));
        await page.ClickAsync("#legend input[data-class='cat']");
        Assert.Equal(1, await page.EvaluateExpressionAsync<int>("window.spotter.drawn"));
        Assert.Single(detector.Batches);                                                          // filtering asked nothing more of the server

        // The canvas shows the image at its size with a box drawn: a pixel on the cat box's edge is not the image's grey.
        Assert.Equal(320, await page.EvaluateExpressionAsync<int>("document.getElementById('canvas').width"));
        await page.ScreenshotAsync(Path.Combine(_folder, "page.png"));
        Assert.Empty(problems);
    }

    [Fact]
    public async Task A_refused_upload_shows_the_servers_one_line_on_the_page()
    {
        await using var server = DetectionServer.Create(new FakeDetector(), new ServerOptions { Port = 0 });
        await server.StartAsync();
        var notAnImage = Path.Combine(_folder, "notes.png");
        await File.WriteAllTextAsync(notAnImage, "not a picture");
        await using var browser = await LaunchChromium(Path.Combine(_folder, "profile2"));
        await using var page = await browser.NewPageAsync();
        await page.GoToAsync(server.Address.ToString(), WaitUntilNavigation.Networkidle0);
        await page.WaitForFunctionAsync("() => window.spotter.model !== null");
        var input = await page.QuerySelectorAsync("#file");
        await input.UploadFileAsync(notAnImage);
        await page.WaitForFunctionAsync("() => window.spotter.error !== ''");
        Assert.Contains("415", await page.EvaluateExpressionAsync<string>("document.getElementById('error').textContent"));
    }
}
