using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Nmf.Orleans.Client;
using MLNet.Nmf.Orleans.Data;

namespace MLNet.Nmf.Orleans.Tests;

/// <summary>Bad shards reach the client as a named error, and no model is written. One 3-silo cluster for the class.</summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private ClusterHarness _harness = null!;

    public async Task InitializeAsync() => _harness = await ClusterHarness.StartAsync();

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    private Task<(NmfClusterFitException Error, string ModelPath)> FitFails(string manifest) =>
        FitFails(new NmfClusterFitRequest { ManifestPath = manifest, ModelPath = Path.Combine(Path.GetDirectoryName(manifest)!, "model.zip"), Rank = 3, MaxIterations = 5, Seed = 1 });

    private async Task<(NmfClusterFitException Error, string ModelPath)> FitFails(NmfClusterFitRequest request)
    {
        string model = request.ModelPath;
        var client = new NmfClusterClient(_harness.Cluster.Client) { PollInterval = TimeSpan.FromMilliseconds(100) };
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60)); // a hang fails the test (cancelled) instead of stalling the suite
        var act = () => client.FitAsync(request, cancellation: limit.Token);
        var error = (await act.Should().ThrowAsync<NmfClusterFitException>()).Which;
        error.Status.Phase.Should().Be(NmfClusterFitPhase.Failed);
        return (error, model);
    }

    private string Folder(string name) => Path.Combine(_harness.Root, name);

    [Fact]
    public async Task Fit_MissingShard_NamesTheShardAndFile_AndWritesNoModel()
    {
        string manifest = Corpus.Split(Folder("missing"), shards: 6, rows: 300);
        string shard2 = Path.Combine(Folder("missing"), "shard-002.idv");
        File.Delete(shard2);

        var (error, model) = await FitFails(manifest);

        error.Message.Should().Contain($"Shard 2 ('{shard2}') is missing: no such file");
        File.Exists(model).Should().BeFalse();
    }

    [Fact]
    public async Task Fit_ManifestWithAShardOfNoRows_NamesTheShardAndSaysWhatToDo()
    {
        // Was "Shard 2 in the manifest '...' has no path or fewer than 1 row.": which of the two, and no way out.
        string manifest = Corpus.Split(Folder("no-rows"), shards: 4, rows: 200);
        var shards = ShardManifest.Load(manifest);
        var edited = shards.Shards.ToList();
        edited[2] = edited[2] with { Rows = 0 };
        (shards with { Shards = edited }).Save(manifest);
        string shard2 = Path.Combine(Folder("no-rows"), "shard-002.idv");

        var (error, model) = await FitFails(manifest);

        error.Message.Should().Contain(
            $"Shard 2 ('{shard2}') in the manifest '{manifest}' has 0 rows; every shard needs at least 1. Re-run `split` with fewer shards, or remove the shard from the manifest's shards if it really holds no rows.");
        File.Exists(model).Should().BeFalse();
    }

    [Fact]
    public async Task Fit_UnreadableShard_NamesTheShard_AndWritesNoModel()
    {
        string manifest = Corpus.Split(Folder("unreadable"), shards: 6, rows: 300);
        string shard1 = Path.Combine(Folder("unreadable"), "shard-001.idv");
        File.WriteAllText(shard1, "not an IDV");

        var (error, model) = await FitFails(manifest);

        error.Message.Should().Contain($"Shard 1 ('{shard1}') cannot be read as an ML.NET binary IDV");
        File.Exists(model).Should().BeFalse();
    }

    [Fact]
    public async Task Fit_TruncatedShard_NamesTheShardAndWhatToDo_AndLeavesTheFileFreeToBeWrittenAgain()
    {
        // ML.NET's loader, failing on the damaged file, left its stream open: the file stayed locked (until the GC ran)
        // against the rewrite the error asks for.
        string manifest = Corpus.Split(Folder("truncated"), shards: 3, rows: 150);
        string shard1 = Path.Combine(Folder("truncated"), "shard-001.idv");
        File.WriteAllBytes(shard1, File.ReadAllBytes(shard1)[..^200]);

        var (error, model) = await FitFails(manifest);

        error.Message.Should().Contain($"Shard 1 ('{shard1}') cannot be read as an ML.NET binary IDV: ")
            .And.Contain("Write the shards and the manifest again with `split` (NmfShards.Split).");
        File.Exists(model).Should().BeFalse();
        var rewrite = () => new FileStream(shard1, FileMode.Open, FileAccess.ReadWrite, FileShare.None).Dispose();
        rewrite.Should().NotThrow();
    }

    [Fact]
    public async Task Fit_ShardsOfDifferentVectorSizes_NamesTheShardAndBothSizes()
    {
        string manifest = Corpus.Split(Folder("sizes-a"), shards: 6, rows: 300);
        Corpus.Split(Folder("sizes-b"), shards: 6, rows: 120); // another featurization: another vocabulary
        int sizeA = ShardManifest.Load(manifest).FeatureCount;
        int sizeB = ShardManifest.Load(Path.Combine(Folder("sizes-b"), "shards.json")).FeatureCount;
        sizeB.Should().NotBe(sizeA);
        File.Copy(Path.Combine(Folder("sizes-b"), "shard-004.idv"), Path.Combine(Folder("sizes-a"), "shard-004.idv"), overwrite: true);

        var (error, model) = await FitFails(manifest);

        error.Message.Should().Contain($"Shard 4 ('{Path.Combine(Folder("sizes-a"), "shard-004.idv")}') has vectors of {sizeB} slots in column 'Features', but the manifest (and the other shards) have {sizeA}");
        File.Exists(model).Should().BeFalse();
    }

    [Fact]
    public async Task Fit_ShardsOfDifferentTermsButAsManySlots_NamesTheShardAndTheFirstDifferingSlot()
    {
        // Two featurizations with as many terms: the shards used to be fitted together, slot j meaning two different words.
        string Split(string name, string prefix)
        {
            var ml = new MLContext(seed: 1);
            var schema = SchemaDefinition.Create(typeof(DenseRow));
            var names = new VBuffer<ReadOnlyMemory<char>>(12, Enumerable.Range(0, 12).Select(j => (prefix + j).AsMemory()).ToArray());
            schema[nameof(DenseRow.Features)].AddAnnotation("SlotNames", names, new VectorDataViewType(TextDataViewType.Instance, 12));
            var rows = Enumerable.Range(0, 90).Select(i => new DenseRow { Features = Enumerable.Range(0, 12).Select(j => (float)((i + j) % 4)).ToArray() });
            NmfShards.Split(ml, ml.Data.LoadFromEnumerable(rows, schema), "Features", 3, Folder(name));
            return Path.Combine(Folder(name), "shards.json");
        }
        string manifest = Split("terms-a", "a");
        Split("terms-b", "b");
        string shard2 = Path.Combine(Folder("terms-a"), "shard-002.idv");
        File.Copy(Path.Combine(Folder("terms-b"), "shard-002.idv"), shard2, overwrite: true);

        var (error, model) = await FitFails(manifest);

        error.Message.Should().Contain(
            $"Shard 2 ('{shard2}') has other slot names in column 'Features' than shard 0 ('{Path.Combine(Folder("terms-a"), "shard-000.idv")}'): slot 0 is 'b0' here and 'a0' there; all shards must come from one featurization: write them again with one `split` (NmfShards.Split).");
        File.Exists(model).Should().BeFalse();
    }

    [Fact]
    public async Task Fit_NegativeValueInShard3_NamesShardRowAndSlot()
    {
        // 600 rows of 12 features split into 6 shards of 100: global row 334 is shard 3's row 34.
        var rows = Enumerable.Range(0, 600).Select(i => new DenseRow
        {
            Features = Enumerable.Range(0, 12).Select(j => (float)((i * 7 + j * 3) % 5)).ToArray(),
        }).ToArray();
        var ml = new MLContext(seed: 1);
        NmfShards.Split(ml, ml.Data.LoadFromEnumerable(rows), "Features", 6, Folder("negative"));
        rows[334].Features[9] = -0.25f; // NmfShards.Split refuses it: shard 3 is written again by hand
        using (var stream = File.Create(Path.Combine(Folder("negative"), "shard-003.idv")))
            ml.Data.SaveAsBinary(ml.Data.LoadFromEnumerable(rows[300..400]), stream, keepHidden: false);

        var (error, model) = await FitFails(Path.Combine(Folder("negative"), "shards.json"));

        error.Message.Should().Contain($"Shard 3 ('{Path.Combine(Folder("negative"), "shard-003.idv")}') has a negative value (-0.25) at row 34 of the shard (row 334 overall), slot 9 of column 'Features'; NMF needs finite, non-negative input.");
        File.Exists(model).Should().BeFalse();
    }

    [Fact]
    public async Task Fit_RankAboveTheFeatures_IsRefusedNamingRank_InsteadOfHanging()
    {
        string manifest = Corpus.Split(Folder("rank"), shards: 3, rows: 120);
        int n = ShardManifest.Load(manifest).FeatureCount;

        var (error, model) = await FitFails(new NmfClusterFitRequest { ManifestPath = manifest, ModelPath = Path.Combine(Folder("rank"), "model.zip"), Rank = n + 1, MaxIterations = 3, Seed = 1 });

        error.Message.Should().Contain($"Rank {n + 1} is above the number of features ({n})").And.Contain($"Use Rank <= {n}");
        File.Exists(model).Should().BeFalse();
    }

    [Fact]
    public async Task Fit_ModelPathThatCannotBeWritten_FailsNamingTheModelPath_InsteadOfRestartingForever()
    {
        string manifest = Corpus.Split(Folder("unwritable"), shards: 3, rows: 120);
        string file = Path.Combine(Folder("unwritable"), "a-file");
        File.WriteAllText(file, "not a folder");
        string model = Path.Combine(file, "model.zip"); // its folder is a file

        var (error, _) = await FitFails(new NmfClusterFitRequest { ManifestPath = manifest, ModelPath = model, Rank = 3, MaxIterations = 3, Seed = 1 });

        error.Message.Should().Contain($"The model could not be written to '{model}'").And.Contain("ModelPath");
        error.Status.Iteration.Should().Be(3, "the iterations were done; only the writing failed");
    }

    [Fact]
    public async Task Fit_FeaturesDirectoryThatCannotBeCreated_FailsNamingIt_WithoutRetryingForMinutes()
    {
        string manifest = Corpus.Split(Folder("features"), shards: 3, rows: 120);
        string file = Path.Combine(Folder("features"), "a-file");
        File.WriteAllText(file, "not a folder");

        var (error, model) = await FitFails(new NmfClusterFitRequest
        {
            ManifestPath = manifest, ModelPath = Path.Combine(Folder("features"), "model.zip"), FeaturesDirectory = file, Rank = 3, MaxIterations = 3, Seed = 1,
        });

        error.Message.Should().Contain($"could not be written to '{file}'").And.Contain("FeaturesDirectory");
        File.Exists(model).Should().BeFalse();
    }

    [Theory]
    [InlineData(float.NaN, "NaN (NaN)")]
    [InlineData(-0.5f, "a negative value (-0.5)")]
    [InlineData(float.PositiveInfinity, "an infinite value (Infinity)")]
    public void Split_OfDataWithABadValue_IsRefusedNamingRowAndSlot_AndWritesNoShard(float bad, string described)
    {
        // Split wrote such values into the shards; only the fit, on the cluster, refused them.
        var rows = Enumerable.Range(0, 50).Select(i => new DenseRow { Features = Enumerable.Range(0, 12).Select(j => (float)((i + j) % 3)).ToArray() }).ToArray();
        rows[41].Features[7] = bad;
        var ml = new MLContext(seed: 1);
        string folder = Folder("split-" + Guid.NewGuid().ToString("N"));

        var act = () => NmfShards.Split(ml, ml.Data.LoadFromEnumerable(rows), "Features", 4, folder);

        act.Should().Throw<ArgumentException>().WithMessage(
            $"Column 'Features' has {described} at row 41, slot 7; NMF needs finite, non-negative input. Clean, clip or shift the values before splitting; no shard was written.*");
        (Directory.Exists(folder) ? Directory.GetFiles(folder) : []).Should().BeEmpty();
    }

    private sealed class DenseRow
    {
        [VectorType(12)] public float[] Features { get; set; } = [];
    }
}
