using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using SkiaSharp;
using Spotter.Server;

namespace Spotter.Tests.Server;

/// <summary>The HTTP service on a real Kestrel on a free loopback port, with a stand-in model.</summary>
public sealed class ServerTests
{
    private static async Task<(DetectionServer Server, HttpClient Client)> Start(Spotter.Inference.IDetector detector, ServerOptions? options = null)
    {
        var server = DetectionServer.Create(detector, (options ?? new ServerOptions()) with { Port = 0 });
        await server.StartAsync();
        return (server, new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(60) });
    }

    /// <summary>A width x height PNG, grey.</summary>
    public static byte[] Png(int width, int height)
    {
        using var bitmap = new SKBitmap(width, height);
        bitmap.Erase(new SKColor(120, 130, 140));
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private static async Task<(HttpStatusCode Status, JsonElement Json, HttpResponseMessage Response)> Post(HttpClient client, byte[] body, string query = "")
    {
        var response = await client.PostAsync("/detect" + query, new ByteArrayContent(body));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone(), response);
    }

    [Fact]
    public async Task An_image_as_the_body_or_a_multipart_field_gets_detections_in_its_own_pixels()
    {
        var (server, client) = await Start(new FakeDetector());
        await using (server)
        using (client)
        {
            var (status, json, _) = await Post(client, Png(200, 100));
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal((200, 100), (json.GetProperty("width").GetInt32(), json.GetProperty("height").GetInt32()));
            var only = Assert.Single(json.GetProperty("detections").EnumerateArray()); // 0.2 is under the default 0.3
            Assert.Equal("cat", only.GetProperty("class").GetString());
            Assert.Equal([0f, 0f, 100f, 50f], only.GetProperty("box").EnumerateArray().Select(v => v.GetSingle()));
            Assert.True(json.GetProperty("ms").GetDouble() >= 0);

            using var form = new MultipartFormDataContent { { new ByteArrayContent(Png(50, 80)), "image", "photo.png" } };
            var multipart = await client.PostAsync("/detect?threshold=0.1", form);
            Assert.Equal(HttpStatusCode.OK, multipart.StatusCode);
            using var body = JsonDocument.Parse(await multipart.Content.ReadAsStringAsync());
            Assert.Equal(2, body.RootElement.GetProperty("detections").GetArrayLength());

            var (_, dogs, _) = await Post(client, Png(64, 64), "?threshold=0&classes=dog");
            Assert.Equal(["dog"], dogs.GetProperty("detections").EnumerateArray().Select(d => d.GetProperty("class").GetString()));
        }
    }

    [Fact]
    public async Task A_model_trained_on_tiles_serves_large_images_tiled_in_their_own_pixels()
    {
        using var bitmap = new SKBitmap(1000, 1000);
        bitmap.Erase(SKColors.Black);
        using (var canvas = new SKCanvas(bitmap))
        using (var white = new SKPaint { Color = SKColors.White })
            canvas.DrawRect(500, 300, 12, 12, white);
        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        using var detector = new Spotter.Tests.Inference.BrightSquareDetector(inputSize: 64, trainedTile: 64);
        var (server, client) = await Start(detector);
        await using (server)
        using (client)
        {
            var (status, json, _) = await Post(client, png.ToArray());
            Assert.Equal(HttpStatusCode.OK, status);
            var box = Assert.Single(json.GetProperty("detections").EnumerateArray()).GetProperty("box").EnumerateArray().Select(v => v.GetSingle()).ToArray();
            Assert.True(new Spotter.Boxes.Box(box[0], box[1], box[2], box[3]).Iou(new Spotter.Boxes.Box(500, 300, 512, 312)) > 0.8, string.Join(", ", box));

            detector.Tiling = null; // squashed whole to 64 px, the square is at best one input pixel: 15.6 image pixels wide
            (status, json, _) = await Post(client, png.ToArray());
            Assert.Equal(HttpStatusCode.OK, status);
            var coarse = json.GetProperty("detections").EnumerateArray().Select(d => d.GetProperty("box").EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToList();
            Assert.All(coarse, b => Assert.True(new Spotter.Boxes.Box(b[0], b[1], b[2], b[3]).Iou(new Spotter.Boxes.Box(500, 300, 512, 312)) < 0.7));
        }
    }

    [Theory]
    [InlineData("?threshold=2", "threshold")]
    [InlineData("?threshold=abc", "threshold")]
    [InlineData("?classes=cat,horse", "horse")]
    public async Task Bad_query_parameters_get_400_with_one_line(string query, string expected)
    {
        var (server, client) = await Start(new FakeDetector());
        await using (server)
        using (client)
        {
            var (status, json, _) = await Post(client, Png(10, 10), query);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Contains(expected, json.GetProperty("error").GetString());
        }
    }

    [Fact]
    public async Task Hostile_and_broken_uploads_get_4xx_and_the_server_keeps_serving()
    {
        var (server, client) = await Start(new FakeDetector(), new ServerOptions { MaxUploadBytes = 64 * 1024, MaxPixels = 4_000_000 });
        await using (server)
        using (client)
        {
            var (tooBig, json, _) = await Post(client, new byte[200 * 1024]);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooBig);
            Assert.Contains("MB", json.GetProperty("error").GetString());

            var (text, textJson, _) = await Post(client, Encoding.UTF8.GetBytes("hello, I am not a picture"));
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, text);
            Assert.Contains("not an image", textJson.GetProperty("error").GetString());

            var (empty, _, _) = await Post(client, []);
            Assert.Equal(HttpStatusCode.BadRequest, empty);

            // A few hundred bytes that claim 30000 x 30000 pixels: refused from the header.
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var (bomb, bombJson, _) = await Post(client, PngClaiming(30000, 30000));
            Assert.Equal(HttpStatusCode.UnprocessableEntity, bomb);
            Assert.Contains("30000 x 30000", bombJson.GetProperty("error").GetString());
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "refused without decoding");

            var (broken, brokenJson, _) = await Post(client, Broken(Png(40, 40)));
            Assert.Equal(HttpStatusCode.BadRequest, broken);
            Assert.Contains("decode", brokenJson.GetProperty("error").GetString());

            var (after, _, _) = await Post(client, Png(20, 20));
            Assert.Equal(HttpStatusCode.OK, after);
        }
    }

    [Fact]
    public async Task A_full_queue_answers_503_with_retry_after_and_the_queued_requests_still_finish()
    {
        var detector = new FakeDetector { Gate = new SemaphoreSlim(0) };
        var (server, client) = await Start(detector, new ServerOptions { MaxQueue = 1, MaxBatch = 1, BatchWait = TimeSpan.Zero });
        await using (server)
        using (client)
        {
            var first = Post(client, Png(16, 16));
            await WaitUntil(() => detector.Batches.Count == 1);      // the first is in the model, held at the gate
            var second = Post(client, Png(16, 16));                  // the second waits in the queue
            await WaitUntil(() => server.Queue.Waiting == 1);
            var (status, json, response) = await Post(client, Png(16, 16));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Equal("1", response.Headers.GetValues("Retry-After").Single());
            Assert.Contains("busy", json.GetProperty("error").GetString());
            detector.Gate.Release(2);
            Assert.Equal(HttpStatusCode.OK, (await first).Status);
            Assert.Equal(HttpStatusCode.OK, (await second).Status);
        }
    }

    [Fact]
    public async Task Requests_that_arrive_together_go_through_the_model_as_one_batch()
    {
        var detector = new FakeDetector { Delay = TimeSpan.FromMilliseconds(50) };
        var (server, client) = await Start(detector, new ServerOptions { MaxBatch = 8, BatchWait = TimeSpan.FromMilliseconds(500) });
        await using (server)
        using (client)
        {
            var image = Png(32, 32);
            var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Post(client, image)));
            Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Status));
            Assert.Equal(8, detector.Batches.Sum());
            Assert.True(detector.Batches.Max() >= 2, $"batches: {string.Join(", ", detector.Batches)}");
            Assert.True(detector.Batches.Count < 8, $"batches: {string.Join(", ", detector.Batches)}");
        }
    }

    [Fact]
    public async Task Slow_and_truncated_clients_are_dropped_and_others_are_served()
    {
        var options = new ServerOptions { HeadersTimeout = TimeSpan.FromSeconds(1), MinBodyBytesPerSecond = 1000, MinBodyGrace = TimeSpan.FromSeconds(2) };
        var (server, client) = await Start(new FakeDetector(), options);
        await using (server)
        using (client)
        {
            // Headers trickled: the connection is closed (Kestrel may first answer 408).
            using (var slowHeaders = await Connect(server))
            {
                await slowHeaders.GetStream().WriteAsync(Encoding.ASCII.GetBytes("POST /detect HTTP/1.1\r\nHost: x\r\n"));
                Assert.True(await ClosedWithin(slowHeaders, TimeSpan.FromSeconds(15)), "a client that never finishes its headers is dropped");
            }
            // A body promised but not sent: dropped for its data rate.
            using (var slowBody = await Connect(server))
            {
                await slowBody.GetStream().WriteAsync(Encoding.ASCII.GetBytes("POST /detect HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n0123456789"));
                Assert.True(await ClosedWithin(slowBody, TimeSpan.FromSeconds(20)), "a client that trickles its body is dropped");
            }
            // A body cut short: the client goes away mid-upload.
            using (var truncated = await Connect(server))
                await truncated.GetStream().WriteAsync(Encoding.ASCII.GetBytes("POST /detect HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" + new string('x', 100)));
            var (status, _, _) = await Post(client, Png(24, 24));
            Assert.Equal(HttpStatusCode.OK, status);
        }
    }

    [Fact]
    public async Task The_page_the_model_and_the_health_are_served()
    {
        var (server, client) = await Start(new FakeDetector());
        await using (server)
        using (client)
        {
            var page = await client.GetStringAsync("/");
            Assert.Contains("<canvas", page);
            Assert.DoesNotContain("https://", page); // nothing fetched from elsewhere
            using var model = JsonDocument.Parse(await client.GetStringAsync("/model"));
            Assert.Equal(["cat", "dog"], model.RootElement.GetProperty("classes").EnumerateArray().Select(c => c.GetString()));
            Assert.Equal(64, model.RootElement.GetProperty("input_size").GetInt32());
            using var health = JsonDocument.Parse(await client.GetStringAsync("/health"));
            Assert.Equal("ok", health.RootElement.GetProperty("status").GetString());
            Assert.Equal(IPAddress.Loopback.ToString(), server.Address.Host);
        }
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++) await Task.Delay(50);
        Assert.True(condition(), "timed out waiting");
    }

    private static async Task<TcpClient> Connect(DetectionServer server)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Address.Host, server.Address.Port);
        return tcp;
    }

    /// <summary>Whether the server closes the connection (end of stream or reset) within the time.</summary>
    private static async Task<bool> ClosedWithin(TcpClient tcp, TimeSpan time)
    {
        using var timeout = new CancellationTokenSource(time);
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var read = await tcp.GetStream().ReadAsync(buffer, timeout.Token);
                if (read == 0) return true;   // closed, perhaps after a 408 answer
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;                      // reset
        }
    }

    /// <summary>A valid PNG header that claims width x height pixels, with a tiny image stream.</summary>
    public static byte[] PngClaiming(int width, int height)
    {
        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth
        header[9] = 2; // RGB
        Spotter.Tests.Data.Fixtures.WriteChunk(png, "IHDR", header);
        using (var zlib = new MemoryStream())
        {
            using (var deflate = new ZLibStream(zlib, CompressionLevel.SmallestSize, leaveOpen: true)) deflate.Write(new byte[4096]);
            Spotter.Tests.Data.Fixtures.WriteChunk(png, "IDAT", zlib.ToArray());
        }
        Spotter.Tests.Data.Fixtures.WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    /// <summary>The PNG with its compressed pixel data replaced by noise (CRC kept valid): the header reads, the pixels do not.</summary>
    private static byte[] Broken(byte[] png)
    {
        using var output = new MemoryStream();
        output.Write(png.AsSpan(0, 8));
        var at = 8;
        var random = new Random(3);
        while (at < png.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            var type = Encoding.ASCII.GetString(png, at + 4, 4);
            var data = png.AsSpan(at + 8, length).ToArray();
            if (type == "IDAT") random.NextBytes(data);
            Spotter.Tests.Data.Fixtures.WriteChunk(output, type, data);
            at += 12 + length;
        }
        return output.ToArray();
    }
}
