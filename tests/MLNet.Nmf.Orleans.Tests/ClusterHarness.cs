using Microsoft.Extensions.DependencyInjection;
using MLNet.Nmf.Orleans.Hosting;
using Orleans.Configuration;
using Orleans.TestingHost;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace MLNet.Nmf.Orleans.Tests;

/// <summary>
/// A real in-process Orleans cluster of three silos (Microsoft.Orleans.TestingHost) with the NMF grains, checkpoints
/// in files of a temporary folder shared by the silos, and short membership timeouts so that a lost silo is declared
/// dead within seconds.
/// </summary>
public sealed class ClusterHarness : IAsyncDisposable
{
    private ClusterHarness(InProcessTestCluster cluster, string root)
    {
        Cluster = cluster;
        Root = root;
    }

    /// <summary>The cluster.</summary>
    public InProcessTestCluster Cluster { get; }

    /// <summary>A temporary folder for shards, checkpoints and models (the "shared folder").</summary>
    public string Root { get; }

    /// <summary>
    /// Starts three silos and a client; <paramref name="siloResponseTimeout"/> is the silos' response timeout for grain calls
    /// (15 s); <paramref name="checkpoints"/> a folder of checkpoints to keep beyond this cluster (Root/checkpoints by default);
    /// <paramref name="withoutCheckpointStorage"/> leaves the checkpoint storage out, <paramref name="withoutAddNmf"/> the call
    /// to AddNmf, as a host that forgot them.
    /// </summary>
    public static async Task<ClusterHarness> StartAsync(int silos = 3, TimeSpan? siloResponseTimeout = null, string? checkpoints = null, bool withoutCheckpointStorage = false, bool withoutAddNmf = false)
    {
        string root = Path.Combine(Path.GetTempPath(), "nmf-orleans-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        checkpoints ??= Path.Combine(root, "checkpoints");
        NmfCluster.ShardDegreeOfParallelism = 1;
        var builder = new InProcessTestClusterBuilder((short)silos);
        builder.ConfigureSilo((_, silo) =>
        {
            if (!withoutAddNmf)
                silo.AddNmf();
            if (!withoutCheckpointStorage)
                silo.AddNmfFileCheckpoints(checkpoints);
            silo.Services.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
                o.TableRefreshTimeout = TimeSpan.FromSeconds(1);
                o.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(5);
                o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(2);
            });
            silo.Services.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = siloResponseTimeout ?? TimeSpan.FromSeconds(15));
        });
        builder.ConfigureClient(client => client.Services.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(15)));
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return new ClusterHarness(cluster, root);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            await Cluster.StopAllSilosAsync();
        }
        finally
        {
            await Cluster.DisposeAsync();
            try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
