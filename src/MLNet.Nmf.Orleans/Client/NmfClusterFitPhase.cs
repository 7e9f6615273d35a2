namespace MLNet.Nmf.Orleans.Client;

/// <summary>Where a cluster fit is.</summary>
public enum NmfClusterFitPhase
{
    /// <summary>Not started (no such fit).</summary>
    None,
    /// <summary>Loading and checking the shards, drawing the start.</summary>
    Starting,
    /// <summary>Running iterations.</summary>
    Iterating,
    /// <summary>Projecting the rows onto the final components and writing the model.</summary>
    Finishing,
    /// <summary>Done: the model is written.</summary>
    Completed,
    /// <summary>Stopped on bad input or an unrecoverable error; no model written (see the error).</summary>
    Failed,
}
