using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Nmf.Orleans.Client;
using MLNet.Nmf.Orleans.Data;

namespace MLNet.Nmf.Orleans.Tests;

/// <summary>
/// Faults of a running fit on one 3-silo cluster whose silos give up on a grain call after half a second (Orleans'
/// default is 30 s; a short one makes a long shard call cheap to show).
/// </summary>
public sealed class ClusterFaultTests : IAsyncLifetime
{
    private ClusterHarness _harness = null!;

    public async Task InitializeAsync() => _harness = await ClusterHarness.StartAsync(siloResponseTimeout: TimeSpan.FromMilliseconds(500));

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    private sealed class DenseRow
    {
        [VectorType(400)] public float[] Features { get; set; } = [];
    }

    [Fact]
    public async Task Fit_WhoseShardCallsOutlastTheSilosResponseTimeout_Completes_InsteadOfResendingTheCallUntilItFails()
    {
        // One dense shard of 2,000 x 400 at rank 120: its final projection (many sweeps) takes well over the 0.5 s the silos
        // wait for a response. The coordinator used to give up on the running call, send it again behind it, give up again,
        // and after RecoveryTimeout (5 min) fail the fit; on a real cluster the same happens past 30 s.
        var random = new Random(3);
        var rows = Enumerable.Range(0, 2000).Select(_ => new DenseRow { Features = Enumerable.Range(0, 400).Select(_ => (float)random.NextDouble()).ToArray() }).ToArray();
        var ml = new MLContext(seed: 1);
        string folder = Path.Combine(_harness.Root, "slow");
        NmfShards.Split(ml, ml.Data.LoadFromEnumerable(rows), "Features", 1, folder);
        var request = new NmfClusterFitRequest
        {
            ManifestPath = Path.Combine(folder, "shards.json"), ModelPath = Path.Combine(folder, "model.zip"), Rank = 120, MaxIterations = 2, Seed = 1,
        };
        var client = new NmfClusterClient(_harness.Cluster.Client) { PollInterval = TimeSpan.FromMilliseconds(100) };
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var status = await client.FitAsync(request, cancellation: limit.Token);

        status.Events.Should().NotContain(e => e.Contains("TimeoutException"), "no shard call timed out");
        var reference = Corpus.SingleMachineFit(request.ManifestPath, request);
        Corpus.LoadModel(request.ModelPath).Components.ToArray().Should().Equal(reference.H.Values.ToArray());
        status.RelativeError.Should().Be(reference.RelativeError);
    }

    private sealed class SmallRow
    {
        [VectorType(12)] public float[] Features { get; set; } = [];
    }

    [Fact]
    public async Task Fit_WithAZeroRowAZeroColumnAndRankAboveTheRows_IsBitIdenticalToFitBlocks_WithoutNaN()
    {
        var random = new Random(3);
        var rows = Enumerable.Range(0, 5).Select(_ => new SmallRow { Features = Enumerable.Range(0, 12).Select(_ => (float)random.NextDouble()).ToArray() }).ToArray();
        rows[2].Features = new float[12];
        foreach (var row in rows)
            row.Features[4] = 0;
        var ml = new MLContext(seed: 1);
        string folder = Path.Combine(_harness.Root, "degenerate");
        NmfShards.Split(ml, ml.Data.LoadFromEnumerable(rows), "Features", 2, folder);
        var request = new NmfClusterFitRequest
        {
            ManifestPath = Path.Combine(folder, "shards.json"), ModelPath = Path.Combine(folder, "model.zip"), Rank = 8, MaxIterations = 20, Seed = 1, Tolerance = 0,
        };

        var status = await new NmfClusterClient(_harness.Cluster.Client) { PollInterval = TimeSpan.FromMilliseconds(100) }.FitAsync(request);

        var reference = Corpus.SingleMachineFit(request.ManifestPath, request);
        var model = Corpus.LoadModel(request.ModelPath);
        model.Components.ToArray().Should().Equal(reference.H.Values.ToArray());
        model.Components.ToArray().Should().OnlyContain(v => float.IsFinite(v));
        status.RelativeError.Should().Be(reference.RelativeError).And.BeGreaterThanOrEqualTo(0);
    }

    [Fact]
    public async Task Fit_Completed_LeavesTheShardFilesClosed_SoThatTheyCanBeWrittenAgain()
    {
        // The silos kept every shard they had read open (ML.NET's binary loader holds its file until disposed), so writing
        // the shards again (split into the same folder, by hand) failed with "being used by another process".
        string manifest = Corpus.Split(Path.Combine(_harness.Root, "closed"), shards: 3, rows: 120);
        var request = new NmfClusterFitRequest { ManifestPath = manifest, ModelPath = Path.Combine(_harness.Root, "closed", "model.zip"), Rank = 3, MaxIterations = 2, Seed = 1 };

        await new NmfClusterClient(_harness.Cluster.Client) { PollInterval = TimeSpan.FromMilliseconds(100) }.FitAsync(request);

        foreach (var shard in Directory.GetFiles(Path.GetDirectoryName(manifest)!, "shard-*.idv"))
        {
            var open = () => new FileStream(shard, FileMode.Open, FileAccess.ReadWrite, FileShare.None).Dispose();
            open.Should().NotThrow(shard);
        }
    }
}
