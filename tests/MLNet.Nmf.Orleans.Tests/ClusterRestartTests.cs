using MLNet.Nmf.Orleans.Client;

namespace MLNet.Nmf.Orleans.Tests;

/// <summary>
/// The whole cluster lost mid-fit (every silo killed) and a new one started on the same checkpoint folder: a fit resumes
/// from its last finished iteration and ends bit-identical to the uninterrupted fit; a fit whose shard checkpoint or
/// coordinator checkpoint was damaged meanwhile is refused naming the file, not loaded, and one whose shard checkpoint
/// is gone ends at once saying what to do (it was retried for RecoveryTimeout, 5 minutes), as does one whose shard file
/// was replaced by other rows (they were fitted on).
/// </summary>
public sealed class ClusterRestartTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "nmf-orleans-tests", "restart-" + Guid.NewGuid().ToString("N"));

    public ClusterRestartTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private NmfClusterFitRequest Request(string manifest, string name, int iterations) => new()
    {
        ManifestPath = manifest, ModelPath = Path.Combine(_root, name, "model.zip"), Rank = 5, MaxIterations = iterations, Tolerance = 0, Seed = 11,
    };

    /// <summary>FileGrainStorage's file of a grain's state: "{state}-{grain id, '_' for what a file name cannot hold}-{hash}.bin".</summary>
    private static string StateFile(string checkpoints, string state, string grainId) =>
        Directory.GetFiles(checkpoints, $"{state}-{grainId.Replace('/', '_')}-*.bin").Should().ContainSingle().Subject;

    [Fact]
    public async Task Cluster_LostAndStartedAgainOnTheSameCheckpoints_ResumesBitIdentically_AndRefusesDamagedCheckpointsNamingTheFile()
    {
        string checkpoints = Path.Combine(_root, "checkpoints");
        string manifest = Corpus.Split(Path.Combine(_root, "shards"), shards: 4, rows: 400);
        var resumed = Request(manifest, "resumed", 120);
        var shardDamaged = Request(manifest, "shard-damaged", 1_000_000);
        var coordinatorDamaged = Request(manifest, "coordinator-damaged", 60);
        var shardMissing = Request(manifest, "shard-missing", 1_000_000);
        string replacedFolder = Path.Combine(_root, "shards-replaced");
        Directory.CreateDirectory(replacedFolder);
        foreach (var f in Directory.GetFiles(Path.Combine(_root, "shards")))
            File.Copy(f, Path.Combine(replacedFolder, Path.GetFileName(f)));
        var shardReplaced = Request(Path.Combine(replacedFolder, "shards.json"), "shard-replaced", 1_000_000);
        string resumedId, shardDamagedId, coordinatorDamagedId, shardMissingId, shardReplacedId;
        int iterationBefore;
        await using (var first = await ClusterHarness.StartAsync(checkpoints: checkpoints))
        {
            var client = new NmfClusterClient(first.Cluster.Client);
            resumedId = await client.StartAsync(resumed);
            shardDamagedId = await client.StartAsync(shardDamaged);
            coordinatorDamagedId = await client.StartAsync(coordinatorDamaged);
            shardMissingId = await client.StartAsync(shardMissing);
            shardReplacedId = await client.StartAsync(shardReplaced);
            // Every fit must have checkpointed an iteration before the kill: one still loading its shards (under load it can
            // lag the others by seconds) starts again from scratch on the new cluster and never reads the files damaged below.
            string[] ids = [resumedId, shardDamagedId, coordinatorDamagedId, shardMissingId, shardReplacedId];
            NmfClusterFitStatus status;
            while (true)
            {
                await Task.Delay(20);
                var statuses = new List<NmfClusterFitStatus>();
                foreach (var id in ids)
                    statuses.Add(await client.GetStatusAsync(id));
                status = statuses[0];
                if (statuses.Any(s => s.Phase == NmfClusterFitPhase.Failed) || statuses.All(s => s.Iteration >= 3))
                    break;
            }
            foreach (var silo in first.Cluster.Silos.ToArray())
                await first.Cluster.KillSiloAsync(silo);
            iterationBefore = status.Iteration;
            status.Phase.Should().Be(NmfClusterFitPhase.Iterating, "the cluster must be lost mid-fit");
        }
        await Task.Delay(500); // nothing of the killed silos writes any more
        string shardFile = StateFile(checkpoints, "features", $"nmfshard/{shardDamagedId}/1");
        var bytes = File.ReadAllBytes(shardFile);
        bytes[bytes.Length / 2] ^= 0x10; // one bit of a stored feature
        File.WriteAllBytes(shardFile, bytes);
        string coordinatorFile = StateFile(checkpoints, "fit", $"nmffit/{coordinatorDamagedId}");
        var coordinatorBytes = File.ReadAllBytes(coordinatorFile);
        File.WriteAllBytes(coordinatorFile, coordinatorBytes[..100]); // cut short
        File.Delete(StateFile(checkpoints, "features", $"nmfshard/{shardMissingId}/2")); // as on a silo that does not see the shared folder
        string replaced = Path.Combine(replacedFolder, "shard-001.idv");
        File.Copy(Path.Combine(replacedFolder, "shard-000.idv"), replaced, overwrite: true); // as many rows, other values

        await using var second = await ClusterHarness.StartAsync(checkpoints: checkpoints);
        var again = new NmfClusterClient(second.Cluster.Client) { PollInterval = TimeSpan.FromMilliseconds(100), UnreachableTimeout = TimeSpan.FromSeconds(60) };
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(120)); // a hang guard: the test takes 6-10 s

        var done = await again.WaitAsync(resumedId, cancellation: limit.Token);
        done.Events.Should().Contain(e => e.Contains("coordinator activated on silo"));
        var reference = Corpus.SingleMachineFit(manifest, resumed);
        Corpus.LoadModel(resumed.ModelPath).Components.ToArray().Should().Equal(reference.H.Values.ToArray(), "the new cluster went on from the last finished iteration");
        done.LossHistory.Should().Equal(reference.LossHistory);
        done.Iteration.Should().Be(120);

        var shardError = (await again.Invoking(c => c.WaitAsync(shardDamagedId, cancellation: limit.Token)).Should().ThrowAsync<NmfClusterFitException>()).Which;
        shardError.Status.Error.Should().Contain($"The checkpoint file '{shardFile}' is damaged: its SHA-256 does not match its contents")
            .And.StartWith($"Shard 1 of fit {shardDamagedId} cannot resume, so the fit stops: ").And.EndWith("It is not loaded. Delete the file and start the fit again under a new fit id.");
        File.Exists(shardDamaged.ModelPath).Should().BeFalse();

        var coordinatorError = (await again.Invoking(c => c.WaitAsync(coordinatorDamagedId, cancellation: limit.Token)).Should().ThrowAsync<NmfClusterFitException>()).Which;
        coordinatorError.Status.Phase.Should().Be(NmfClusterFitPhase.Failed);
        coordinatorError.Message.Should().Contain($"The checkpoint file '{coordinatorFile}' is damaged: its SHA-256 does not match its contents").And.EndWith("It is not loaded. Restore the file from a copy to resume the fit, or delete it and start the fit again under a new fit id.");
        iterationBefore.Should().BeLessThan(60);
        File.WriteAllBytes(coordinatorFile, coordinatorBytes); // restored from a copy: the same fit goes on
        (await again.WaitAsync(coordinatorDamagedId, cancellation: limit.Token)).Iteration.Should().Be(60);
        Corpus.LoadModel(coordinatorDamaged.ModelPath).Components.ToArray().Should().Equal(Corpus.SingleMachineFit(manifest, coordinatorDamaged).H.Values.ToArray());

        var missingError = (await again.Invoking(c => c.WaitAsync(shardMissingId, cancellation: limit.Token)).Should().ThrowAsync<NmfClusterFitException>()).Which;
        missingError.Status.Error.Should().MatchRegex($"^Shard 2 of fit {shardMissingId} has no checkpoint of iteration [0-9]+ \\(its stored state holds iterations -1 and -1\\), so the fit cannot resume exactly\\.")
            .And.Contain("Every silo must reach the same checkpoint storage (AddNmfFileCheckpoints on a shared folder, or Redis)");

        var replacedError = (await again.Invoking(c => c.WaitAsync(shardReplacedId, cancellation: limit.Token)).Should().ThrowAsync<NmfClusterFitException>()).Which;
        replacedError.Status.Error.Should().Be(
            $"Shard 1 ('{replaced}') of fit {shardReplacedId} changed since the fit read it: the SHA-256 of its rows differs from the one its checkpoint recorded, so the fit cannot resume exactly and stops. Start it again under a new fit id.");
    }

    [Fact]
    public async Task Fit_OnASiloWithoutCheckpointStorage_FailsSayingWhatToAdd()
    {
        await using var harness = await ClusterHarness.StartAsync(silos: 1, withoutCheckpointStorage: true);
        string manifest = Corpus.Split(Path.Combine(_root, "shards"), shards: 2, rows: 100);
        var client = new NmfClusterClient(harness.Cluster.Client) { PollInterval = TimeSpan.FromMilliseconds(100) };
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var act = () => client.FitAsync(Request(manifest, "no-storage", 3), cancellation: limit.Token);

        (await act.Should().ThrowAsync<NmfClusterFitException>()).Which.Status.Error.Should().Be(
            "This silo has no grain storage named 'nmf-checkpoints', where the cluster fit keeps its checkpoints. Add siloBuilder.AddNmfFileCheckpoints(a folder every silo reaches) or AddRedisGrainStorage(NmfCluster.CheckpointStorageName, ...) to every silo.");
    }

    [Fact]
    public async Task Fit_OnASiloWithoutAddNmf_FailsSayingWhatToCall_InsteadOfRetryingThePlacementForMinutes()
    {
        await using var harness = await ClusterHarness.StartAsync(silos: 1, withoutAddNmf: true);
        string manifest = Corpus.Split(Path.Combine(_root, "shards"), shards: 2, rows: 100);
        var client = new NmfClusterClient(harness.Cluster.Client) { PollInterval = TimeSpan.FromMilliseconds(100) };
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var act = () => client.FitAsync(Request(manifest, "no-add-nmf", 3), cancellation: limit.Token);

        (await act.Should().ThrowAsync<NmfClusterFitException>()).Which.Status.Error.Should()
            .MatchRegex("^Silo S?127\\.0\\.0\\.1:[0-9]+:[0-9]+ hosts the NMF grains without their setup: ")
            .And.EndWith("call siloBuilder.AddNmf() on every silo (with the checkpoint storage: AddNmfFileCheckpoints or AddRedisGrainStorage(NmfCluster.CheckpointStorageName, ...)).");
    }
}
