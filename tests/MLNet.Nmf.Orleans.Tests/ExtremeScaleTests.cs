using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Nmf.Orleans.Client;
using MLNet.Nmf.Orleans.Data;

namespace MLNet.Nmf.Orleans.Tests;

/// <summary>
/// Data of extreme magnitude (values around 1e30 or 1e-33) fitted on the cluster is rescaled by an exact power of two as
/// NmfEngine.Fit, FitBlocks and the streamed fit rescale it: the model equals FitBlocks' on the shards bit for bit, and the
/// fit of the ordinary data times a power of two. It used to fail or give NaN/zero components (the shards fitted the raw
/// values in float). One 3-silo cluster for the class.
/// </summary>
public sealed class ExtremeScaleTests : IAsyncLifetime
{
    private ClusterHarness _harness = null!;

    public async Task InitializeAsync() => _harness = await ClusterHarness.StartAsync();

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    private sealed class DenseRow
    {
        [VectorType(12)] public float[] Features { get; set; } = [];
    }

    /// <summary>120 rows of 12 values in [0, 1.5], a third of them 0, the largest 1.5 (so the data times 2^e rescales to exactly this).</summary>
    private static float[][] OrdinaryRows()
    {
        var random = new Random(4);
        var rows = Enumerable.Range(0, 120).Select(_ => Enumerable.Range(0, 12)
            .Select(_ => random.NextDouble() < 0.3 ? 0f : (float)(1.5 * random.NextDouble())).ToArray()).ToArray();
        rows[7][3] = 1.5f;
        return rows;
    }

    private async Task<(NmfModelParameters Model, NmfClusterFitStatus Status, NmfClusterFitRequest Request, string Manifest)> FitOnCluster(string name, int exponent)
    {
        string folder = Path.Combine(_harness.Root, name);
        var rows = OrdinaryRows().Select(r => new DenseRow { Features = r.Select(v => (float)Math.ScaleB(v, exponent)).ToArray() }).ToArray();
        var ml = new MLContext(seed: 1);
        NmfShards.Split(ml, ml.Data.LoadFromEnumerable(rows), "Features", 4, folder);
        string manifest = Path.Combine(folder, "shards.json");
        var request = new NmfClusterFitRequest
        {
            ManifestPath = manifest, ModelPath = Path.Combine(folder, "model.zip"), FeaturesDirectory = Path.Combine(folder, "features"),
            Rank = 3, MaxIterations = 25, Tolerance = 0, Seed = 5,
        };
        var status = await new NmfClusterClient(_harness.Cluster.Client).FitAsync(request);
        return (Corpus.LoadModel(request.ModelPath), status, request, manifest);
    }

    [Theory]
    [InlineData(100)]  // values up to 1.9e30
    [InlineData(-110)] // values up to 1.2e-33
    public async Task Fit_OfDataOfExtremeMagnitude_EqualsFitBlocks_AndTheOrdinaryFitTimesAPowerOfTwo(int exponent)
    {
        var (ordinary, ordinaryStatus, _, _) = await FitOnCluster($"ordinary{exponent}", 0);
        var (model, status, request, manifest) = await FitOnCluster($"scaled{exponent}", exponent);

        var reference = Corpus.SingleMachineFit(manifest, request);
        model.Components.ToArray().Should().Equal(reference.H.Values.ToArray(), "the cluster rescales as FitBlocks does");
        model.LossHistory.Should().Equal(reference.LossHistory);
        status.RelativeError.Should().Be(reference.RelativeError);
        status.LossHistory.Should().Equal(reference.LossHistory, "the status reports the objective of the data as given");
        model.Components.ToArray().Should().Equal(ordinary.Components.ToArray().Select(v => (float)Math.ScaleB(v, exponent / 4)),
            "the rescaled data is the ordinary data bit for bit: H is the ordinary H times 2^(e/4)");
        status.RelativeError.Should().Be(ordinaryStatus.RelativeError);
        model.Iterations.Should().Be(25);
        var ml = new MLContext();
        var features = ml.Data.CreateEnumerable<FeatureRow>(ml.Data.LoadFromBinary(Path.Combine(request.FeaturesDirectory!, "features-001.idv")), reuseRowObject: false).ToArray();
        features.SelectMany(f => f.Features).Should().Equal(reference.W.Values.Slice(30 * 3, 30 * 3).ToArray(), "W is FitBlocks' W: the original rows projected on H");
    }

    private sealed class FeatureRow
    {
        public long Row { get; set; }
        [VectorType] public float[] Features { get; set; } = [];
    }
}
