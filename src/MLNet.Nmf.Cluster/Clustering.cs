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

    public static void ConfigureClient(IClientBuilder client, string clustering, int gatewayPort)
    {
        client.Configure<ClusterOptions>(o => { o.ClusterId = ClusterId; o.ServiceId = ServiceId; });
        if (IsLocalhost(clustering))
            client.UseLocalhostClustering(gatewayPort, ServiceId, ClusterId);
        else
            client.UseRedisClustering(clustering);
    }
}
