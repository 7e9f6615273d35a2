using MLNet.Nmf.Orleans.Grains;

namespace MLNet.Nmf.Orleans.Client;

/// <summary>
/// Starts cluster fits and follows them, from any Orleans client or grain (<c>IClusterClient</c> is an
/// <see cref="IGrainFactory"/>). A fit runs in the cluster, not in the caller: a caller that disconnects can
/// reattach by the fit's id (<see cref="WaitAsync"/>), and polling a fit whose coordinator was lost with its silo
/// reactivates it elsewhere, from the last checkpoint.
/// </summary>
/// <example>
/// <code>
/// var nmf = new NmfClusterClient(clusterClient);
/// string id = await nmf.StartAsync(new NmfClusterFitRequest { ManifestPath = "/shared/shards.json", ModelPath = "/shared/model.zip", Rank = 20 });
/// var status = await nmf.WaitAsync(id); // throws NmfClusterFitException naming the shard, row and slot on bad input
/// </code>
/// </example>
public sealed class NmfClusterClient
{
    private readonly IGrainFactory _grains;

    /// <summary>Wraps a grain factory (an <c>IClusterClient</c>, or a grain's <c>GrainFactory</c>).</summary>
    public NmfClusterClient(IGrainFactory grains) => _grains = grains ?? throw new ArgumentNullException(nameof(grains));

    /// <summary>How often <see cref="WaitAsync"/> polls.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long <see cref="WaitAsync"/> keeps retrying while the coordinator cannot be reached (a silo was lost).</summary>
    public TimeSpan UnreachableTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Starts a fit; returns its id. Starting again with the same id is harmless (the running fit continues).</summary>
    /// <param name="request">The fit.</param>
    /// <param name="fitId">The id to use; null for a new one.</param>
    public async Task<string> StartAsync(NmfClusterFitRequest request, string? fitId = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        fitId ??= Guid.NewGuid().ToString("N");
        await _grains.GetGrain<INmfFitGrain>(fitId).Start(request);
        return fitId;
    }

    /// <summary>The fit's current status (phase None when there is no such fit).</summary>
    public Task<NmfClusterFitStatus> GetStatusAsync(string fitId) => _grains.GetGrain<INmfFitGrain>(fitId).GetStatus();

    /// <summary>
    /// Polls the fit until it completes (returns its status) or fails (throws <see cref="NmfClusterFitException"/>
    /// with the message naming the shard, row and slot). Works for a fit started by another process: reattach by id.
    /// </summary>
    /// <exception cref="NmfClusterFitException">The fit failed; no model was written.</exception>
    /// <exception cref="KeyNotFoundException">There is no fit with that id.</exception>
    /// <exception cref="TimeoutException">The coordinator could not be reached for <see cref="UnreachableTimeout"/>.</exception>
    public async Task<NmfClusterFitStatus> WaitAsync(string fitId, IProgress<NmfClusterFitStatus>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fitId);
        var unreachableSince = (DateTime?)null;
        while (true)
        {
            NmfClusterFitStatus status;
            var asked = DateTime.UtcNow;
            try
            {
                status = await GetStatusAsync(fitId);
                unreachableSince = null;
            }
            // Orleans reports a lost silo in many ways (rejections, timeouts, expired messages: an OperationCanceledException too).
            // The outage counts from when the first failing call was made: that call alone may wait Orleans' response
            // timeout (30 s by default) before it fails.
            catch (Exception e) when (!cancellation.IsCancellationRequested && e is not OutOfMemoryException)
            {
                unreachableSince ??= asked;
                if (DateTime.UtcNow - unreachableSince > UnreachableTimeout)
                    throw new TimeoutException($"The coordinator of fit {fitId} could not be reached for {UnreachableTimeout}: {e.Message}", e);
                await Task.Delay(PollInterval, cancellation);
                continue;
            }
            progress?.Report(status);
            switch (status.Phase)
            {
                case NmfClusterFitPhase.Completed:
                    return status;
                case NmfClusterFitPhase.Failed:
                    throw new NmfClusterFitException(status);
                case NmfClusterFitPhase.None:
                    throw new KeyNotFoundException($"There is no cluster fit with id '{fitId}'.");
            }
            await Task.Delay(PollInterval, cancellation);
        }
    }

    /// <summary>Starts a fit and waits for it (<see cref="StartAsync"/> then <see cref="WaitAsync"/>).</summary>
    public async Task<NmfClusterFitStatus> FitAsync(NmfClusterFitRequest request, IProgress<NmfClusterFitStatus>? progress = null,
        CancellationToken cancellation = default) =>
        await WaitAsync(await StartAsync(request), progress, cancellation);
}
