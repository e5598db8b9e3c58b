using System.Diagnostics;
using System.Threading.Channels;
using Spotter.Inference;

namespace Spotter.Server;

/// <summary>
/// Puts concurrent requests through the model together: the first image to arrive waits up to
/// <see cref="ServerOptions.BatchWait"/> for others (at most <see cref="ServerOptions.MaxBatch"/>),
/// then one batch runs; that is where the throughput comes from, on a CPU as on a GPU. Images
/// come squashed already (each request squashes its own, in parallel); one worker runs the model.
/// The queue is bounded: when it is full <see cref="TryEnqueue"/> says so and the caller answers 503.
/// </summary>
public sealed class BatchingQueue : IAsyncDisposable
{
    private readonly IDetector _detector;
    private readonly ServerOptions _options;
    private readonly Channel<Job> _jobs;
    private readonly Task _worker;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<int> _batchSizes = [];

    private sealed record Job(byte[] Pixels, TaskCompletionSource<IReadOnlyList<Detection>> Result);

    public BatchingQueue(IDetector detector, ServerOptions options)
    {
        _detector = detector;
        _options = options;
        _jobs = Channel.CreateBounded<Job>(new BoundedChannelOptions(options.MaxQueue) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _worker = Task.Run(RunAsync);
    }

    /// <summary>The size of every batch run so far (for tests and the health page).</summary>
    public IReadOnlyList<int> BatchSizes
    {
        get
        {
            lock (_batchSizes) return _batchSizes.ToList();
        }
    }

    /// <summary>Images waiting for the model now (not counting the batch running).</summary>
    public int Waiting => _jobs.Reader.Count;

    /// <summary>Queues one squashed image (3 x S x S bytes); null when the queue is full.</summary>
    public Task<IReadOnlyList<Detection>>? TryEnqueue(byte[] pixels)
    {
        var job = new Job(pixels, new TaskCompletionSource<IReadOnlyList<Detection>>(TaskCreationOptions.RunContinuationsAsynchronously));
        return _jobs.Writer.TryWrite(job) ? job.Result.Task : null;
    }

    private async Task RunAsync()
    {
        var reader = _jobs.Reader;
        var batch = new List<Job>(_options.MaxBatch);
        try
        {
            while (await reader.WaitToReadAsync(_stop.Token))
            {
                batch.Clear();
                var clock = Stopwatch.StartNew();
                while (batch.Count < _options.MaxBatch)
                {
                    if (reader.TryRead(out var job))
                    {
                        batch.Add(job);
                        continue;
                    }
                    var left = _options.BatchWait - clock.Elapsed;
                    if (batch.Count == 0 || left <= TimeSpan.Zero) break;
                    using var wait = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                    wait.CancelAfter(left);
                    try
                    {
                        if (!await reader.WaitToReadAsync(wait.Token)) break;
                    }
                    catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
                    {
                        break; // waited long enough
                    }
                }
                if (batch.Count > 0) Run(batch);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        while (reader.TryRead(out var left)) left.Result.TrySetCanceled();
    }

    private void Run(List<Job> batch)
    {
        lock (_batchSizes) _batchSizes.Add(batch.Count);
        try
        {
            var plane = batch[0].Pixels.Length;
            var pixels = new byte[plane * batch.Count];
            for (var i = 0; i < batch.Count; i++) batch[i].Pixels.CopyTo(pixels, i * plane);
            var found = _detector.DetectInputs(pixels, batch.Count, threshold: 0);
            for (var i = 0; i < batch.Count; i++) batch[i].Result.TrySetResult(found[i]);
        }
        catch (Exception e)
        {
            foreach (var job in batch) job.Result.TrySetException(e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _jobs.Writer.TryComplete();
        await _worker.ConfigureAwait(false);
        _stop.Cancel();
        _stop.Dispose();
    }
}
