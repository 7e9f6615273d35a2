using Microsoft.Extensions.DependencyInjection;
using MLNet.Nmf.Orleans.Placement;
using MLNet.Nmf.Orleans.Storage;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;

namespace MLNet.Nmf.Orleans.Hosting;

/// <summary>Adds the NMF grains' services to a silo.</summary>
public static class NmfSiloBuilderExtensions
{
    /// <summary>
    /// Registers what the NMF grains need on a silo: the shard placement. The checkpoints go to the grain storage named
    /// <see cref="NmfCluster.CheckpointStorageName"/>, which the host adds: <see cref="AddNmfFileCheckpoints"/> or
    /// <c>AddRedisGrainStorage(NmfCluster.CheckpointStorageName, ...)</c>.
    /// </summary>
    public static ISiloBuilder AddNmf(this ISiloBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddPlacementDirector<ShardSpreadPlacement, ShardSpreadPlacementDirector>();
        builder.Services.AddSingleton<NmfSiloMarker>();
        return builder;
    }

    /// <summary>Keeps the NMF checkpoints in files under <paramref name="directory"/>, a folder every silo reaches.</summary>
    public static ISiloBuilder AddNmfFileCheckpoints(this ISiloBuilder builder, string directory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        builder.Services.AddGrainStorage(NmfCluster.CheckpointStorageName,
            (services, _) => new FileGrainStorage(directory, services.GetRequiredService<Serializer>()));
        return builder;
    }
}

/// <summary>Registered by <see cref="NmfSiloBuilderExtensions.AddNmf"/>: the coordinator checks for it before placing any shard.</summary>
internal sealed class NmfSiloMarker;
