using MLNet.Nmf.Orleans.Client;

namespace MLNet.Nmf.Orleans.Grains;

/// <summary>
/// The coordinator of one cluster fit, keyed by the fit's id: it drives the shards iteration by iteration,
/// sums their statistics in shard order, updates H, checkpoints after every iteration and writes the model.
/// Its loop resumes from the checkpoint wherever it is activated again, so polling it after a silo loss restarts it.
/// </summary>
public interface INmfFitGrain : IGrainWithStringKey
{
    /// <summary>Starts the fit (idempotent: a fit already started keeps running) and returns its status.</summary>
    Task<NmfClusterFitStatus> Start(NmfClusterFitRequest request);

    /// <summary>The fit's status; resumes the loop from the checkpoint if this activation had not started it.</summary>
    Task<NmfClusterFitStatus> GetStatus();
}
