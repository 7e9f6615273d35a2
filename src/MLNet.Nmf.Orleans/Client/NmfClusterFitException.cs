namespace MLNet.Nmf.Orleans.Client;

/// <summary>A cluster fit stopped without a model: bad input (the message names the shard, row and slot) or an unrecoverable error.</summary>
public sealed class NmfClusterFitException : Exception
{
    /// <summary>Creates the exception from the fit's final status.</summary>
    public NmfClusterFitException(NmfClusterFitStatus status)
        : base($"The cluster fit {status?.FitId} failed: {status?.Error}")
    {
        Status = status!;
    }

    /// <summary>The fit's final status (its events tell what happened).</summary>
    public NmfClusterFitStatus Status { get; }
}
