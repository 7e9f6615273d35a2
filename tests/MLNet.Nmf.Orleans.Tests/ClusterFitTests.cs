using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Nmf.Orleans.Client;

namespace MLNet.Nmf.Orleans.Tests;

public class ClusterFitTests
{
    private static NmfClusterFitRequest Request(string root, string manifest, int iterations) => new()
    {
        ManifestPath = manifest,
        ModelPath = Path.Combine(root, "out", "model.zip"),
        FeaturesDirectory = Path.Combine(root, "features"),
        Rank = 8,
        MaxIterations = iterations,
        Tolerance = 0,
        Seed = 7,
    };

    private static async Task<NmfClusterFitStatus> PollUntil(NmfClusterClient client, string id, Func<NmfClusterFitStatus, bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var status = await client.GetStatusAsync(id);
            if (condition(status) || status.Phase is NmfClusterFitPhase.Completed or NmfClusterFitPhase.Failed)
                return status;
            DateTime.UtcNow.Should().BeBefore(deadline, "the fit should make progress");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Fit_SixShardsOnThreeSilos_IsBitIdenticalToTheSingleMachineFit_AndAClientReattachesById()
    {
        await using var harness = await ClusterHarness.StartAsync();
        string manifest = Corpus.Split(Path.Combine(harness.Root, "shards"), shards: 6);
        var request = Request(harness.Root, manifest, iterations: 30);

        string id = await new NmfClusterClient(harness.Cluster.Client).StartAsync(request);
        var early = await PollUntil(new NmfClusterClient(harness.Cluster.Client), id, s => s.Iteration >= 2);
        early.Phase.Should().Be(NmfClusterFitPhase.Iterating, "the client disconnects while the fit runs");
        await harness.Cluster.StopClusterClientAsync();
        await harness.Cluster.InitializeClientAsync();
        var status = await new NmfClusterClient(harness.Cluster.Client).WaitAsync(id);

        var reference = Corpus.SingleMachineFit(manifest, request);
        var model = Corpus.LoadModel(request.ModelPath);
        model.Components.ToArray().Should().Equal(reference.H.Values.ToArray(), "the cluster adds the shards' statistics in shard order, as the single-machine fit adds its blocks'");
        model.LossHistory.Should().Equal(reference.LossHistory);
        model.Iterations.Should().Be(30);
        status.RelativeError.Should().Be(reference.RelativeError);
        status.Placement.Should().HaveCount(6);
        status.Placement.Distinct().Should().HaveCount(3, "every silo owns shards");
        status.Resumptions.Should().BeEmpty();

        int k = 8, n = model.FeatureCount;
        // Per shard: Hᵀ (n·k + 8 floats), HHᵀ (k² doubles), the order (k ints), the W penalty; back: WᵀW (k² doubles),
        // XᵀW (n·k floats: float products, sent exactly as float) and five scalars.
        long expected = 6L * ((n * k + 8) * 4L + k * k * 8L + k * 4L + 16) + 6L * (k * k * 8L + (long)n * k * 4L + 40);
        status.BytesPerIteration.Should().Be(expected);

        // The distributed transform: each shard's features, beside the model, equal the single-machine projection.
        status.FeaturesPaths.Should().HaveCount(6);
        var ml = new MLContext();
        var features = ml.Data.CreateEnumerable<FeatureRow>(ml.Data.LoadFromBinary(status.FeaturesPaths[3]), reuseRowObject: false).ToArray();
        var shards = Data.ShardManifest.Load(manifest);
        long first = shards.FirstRow(3);
        features.Select(f => f.Row).Should().Equal(Enumerable.Range((int)first, (int)shards.Shards[3].Rows).Select(r => (long)r));
        features.SelectMany(f => f.Features).Should().Equal(reference.W.Values.Slice((int)first * k, (int)shards.Shards[3].Rows * k).ToArray());
    }

    [Fact]
    public async Task Fit_SiloOwningShardsKilledMidFit_ResumesFromTheCheckpoint_AndIsStillBitIdentical()
    {
        await using var harness = await ClusterHarness.StartAsync();
        string manifest = Corpus.Split(Path.Combine(harness.Root, "shards"), shards: 6);
        var request = Request(harness.Root, manifest, iterations: 150);
        var client = new NmfClusterClient(harness.Cluster.Client);

        string id = await client.StartAsync(request);
        var before = await PollUntil(client, id, s => s.Iteration >= 3);
        before.Phase.Should().Be(NmfClusterFitPhase.Iterating, "the silo must be lost mid-fit");
        string victim = before.Placement[1];
        var silo = harness.Cluster.Silos.Single(s => s.SiloAddress.ToParsableString() == victim);
        await harness.Cluster.KillSiloAsync(silo);
        var status = await client.WaitAsync(id);

        status.Resumptions.Should().NotBeEmpty();
        var resumption = status.Resumptions[0];
        resumption.FailedIteration.Should().BeGreaterThan(before.Iteration).And.BeLessThan(150);
        resumption.ResumedFrom.Should().Be(resumption.FailedIteration - 1);
        resumption.ReassignedShards.Should().Contain(s => s.StartsWith("shard 1: " + victim + " -> "));
        status.Placement.Should().NotContain(victim);

        var reference = Corpus.SingleMachineFit(manifest, request);
        var model = Corpus.LoadModel(request.ModelPath);
        model.Components.ToArray().Should().Equal(reference.H.Values.ToArray(), "resuming from the checkpoint redoes the lost iteration exactly");
        model.LossHistory.Should().Equal(reference.LossHistory);
    }

    private sealed class FeatureRow
    {
        public long Row { get; set; }
        [VectorType] public float[] Features { get; set; } = [];
    }
}
