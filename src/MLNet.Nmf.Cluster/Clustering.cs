using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using MLNet.Nmf.Orleans.Hosting;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;
using StackExchange.Redis;

namespace MLNet.Nmf.Cluster;

/// <summary>
/// How silos find each other and where checkpoints go: "localhost" (development clustering on this machine,
/// the first silo at --primary; checkpoints in files under --checkpoints) or a Redis connection string (Redis
/// clustering and Redis checkpoints through Microsoft.Orleans.Persistence.Redis).
/// </summary>
internal static class Clustering
{
    public const string ClusterId = "mlnet-nmf";
    public const string ServiceId = "mlnet-nmf";

    public static bool IsLocalhost(string clustering) => string.Equals(clustering, "localhost", StringComparison.OrdinalIgnoreCase);

    public static void ConfigureSilo(ISiloBuilder silo, string clustering, int siloPort, int gatewayPort, int primaryPort, string? checkpoints)
    {
        silo.Configure<ClusterOptions>(o => { o.ClusterId = ClusterId; o.ServiceId = ServiceId; });
        if (IsLocalhost(clustering))
        {
            silo.UseLocalhostClustering(siloPort, gatewayPort, new IPEndPoint(IPAddress.Loopback, primaryPort), ServiceId, ClusterId);
            silo.AddNmfFileCheckpoints(checkpoints ?? Path.Combine(Path.GetTempPath(), "mlnet-nmf-checkpoints"));
        }
        else
        {
            silo.UseRedisClustering(clustering);
            silo.Configure<EndpointOptions>(o =>
            {
                o.AdvertisedIPAddress = IPAddress.Loopback;
                o.SiloPort = siloPort;
                o.GatewayPort = gatewayPort;
            });
            if (checkpoints is not null)
                silo.AddNmfFileCheckpoints(checkpoints);
            else
                silo.AddRedisGrainStorage(NmfCluster.CheckpointStorageName, (OptionsBuilder<global::Orleans.Persistence.RedisStorageOptions> o) =>
                    o.Configure<Serializer>((options, serializer) =>
                    {
                        options.ConfigurationOptions = ConfigurationOptions.Parse(clustering);
                        options.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer); // binary: W and H bit for bit
                    }));
        }
        // A lost silo is declared dead within seconds (the default takes about a minute).
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = TimeSpan.FromSeconds(2);
            o.NumMissedProbesLimit = 2;
            o.NumVotesForDeathDeclaration = 1;
            o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
        });
    }

    /// <summary>
    /// Before a silo or client starts (whose failing start would log stack traces): a Redis <paramref name="clustering"/>
    /// must parse and answer. Nothing to check for localhost.
    /// </summary>
    public static void CheckRedis(string clustering)
    {
        if (IsLocalhost(clustering))
            return;
        ConfigurationOptions options;
        try
        {
            options = ConfigurationOptions.Parse(clustering);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--clustering '{clustering}' is neither 'localhost' nor a Redis connection string: {e.Message}");
        }
        options.AbortOnConnectFail = true;
        try
        {
            using var redis = ConnectionMultiplexer.Connect(options);
        }
        catch (RedisConnectionException e)
        {
            throw RedisUnreachable(e, clustering)!;
        }
    }

    /// <summary>
    /// The user's error when starting a silo or client failed because the Redis of <paramref name="clustering"/> did not
    /// answer (anywhere in the exception's chain); null otherwise.
    /// </summary>
    public static CommandException? RedisUnreachable(Exception e, string clustering)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
            if (inner is RedisConnectionException redis)
                return new CommandException(
                    $"--clustering '{clustering}': no Redis server answered ({redis.Message.Split('.')[0]}). Start Redis there, give the connection string of a running one, or use --clustering localhost.", e);
        return null;
    }

    public static void ConfigureClient(IClientBuilder client, string clustering, int gatewayPort)
    {
        client.Configure<ClusterOptions>(o => { o.ClusterId = ClusterId; o.ServiceId = ServiceId; });
        if (IsLocalhost(clustering))
            client.UseLocalhostClustering(gatewayPort, ServiceId, ClusterId);
        else
            client.UseRedisClustering(clustering);
    }
}
