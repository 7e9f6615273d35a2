namespace MLNet.Nmf.Orleans.Hosting;

/// <summary>Names and settings shared by the silos and clients of an NMF cluster.</summary>
public static class NmfCluster
{
    /// <summary>
    /// The grain storage that holds the checkpoints (H, the iteration, each shard's W). It must survive the loss of any
    /// one silo: Redis (<c>AddRedisGrainStorage(NmfCluster.CheckpointStorageName, ...)</c>) or files in a shared folder
    /// (<see cref="NmfSiloBuilderExtensions.AddNmfFileCheckpoints"/>); never memory storage.
    /// </summary>
    public const string CheckpointStorageName = "nmf-checkpoints";

    /// <summary>Threads each shard step uses on its silo (default: the processor count); results do not depend on it.</summary>
    public static int ShardDegreeOfParallelism { get; set; } = Environment.ProcessorCount;
}
