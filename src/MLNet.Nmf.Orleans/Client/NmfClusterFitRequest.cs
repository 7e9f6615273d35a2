using MLNet.Nmf.Engine;

namespace MLNet.Nmf.Orleans.Client;

/// <summary>What a cluster fit does: the shards, the settings, where the model goes.</summary>
/// <remarks>
/// The cluster runs row-sharded HALS (coordinate descent, Frobenius loss, random start, cyclic order): the
/// result is bit-identical to <see cref="NmfEngine.FitBlocks"/> on the shards as blocks, same seed and options.
/// Paths are read and written by the silos: use a folder every silo reaches.
/// </remarks>
[GenerateSerializer, Immutable]
public sealed record NmfClusterFitRequest
{
    /// <summary>The shard manifest (<c>shards.json</c>).</summary>
    [Id(0)] public required string ManifestPath { get; init; }
    /// <summary>Where the model zip is written (the ordinary NmfTransformer; loadable without Orleans).</summary>
    [Id(1)] public required string ModelPath { get; init; }
    /// <summary>Number of components k.</summary>
    [Id(2)] public int Rank { get; init; } = NmfFitOptions.Defaults.Rank;
    /// <summary>Outer iterations at most.</summary>
    [Id(3)] public int MaxIterations { get; init; } = NmfFitOptions.Defaults.MaxIterations;
    /// <summary>Seed of the random start.</summary>
    [Id(4)] public int Seed { get; init; } = NmfFitOptions.Defaults.Seed;
    /// <summary>Stopping tolerance (0 runs every iteration).</summary>
    [Id(5)] public double Tolerance { get; init; } = NmfFitOptions.Defaults.Tolerance;
    /// <summary>Coordinate sweeps per factor update; 0 chooses as the engine does.</summary>
    [Id(6)] public int InnerIterations { get; init; } = NmfFitOptions.Defaults.InnerIterations;
    /// <summary>The model's output column.</summary>
    [Id(7)] public string OutputColumnName { get; init; } = "Topics";
    /// <summary>When set, each shard's features are written there as <c>features-NNN.idv</c> (Row, Features).</summary>
    [Id(8)] public string? FeaturesDirectory { get; init; }

    /// <summary>The engine options these settings mean.</summary>
    public NmfFitOptions ToOptions() => new()
    {
        Rank = Rank,
        MaxIterations = MaxIterations,
        Seed = Seed,
        Tolerance = Tolerance,
        InnerIterations = InnerIterations,
        Initialization = NmfInitialization.Random,
    };
}
