using System.Globalization;
using MLNet.Nmf.Engine.Solvers;

namespace MLNet.Nmf.Engine.Sharded;

/// <summary>
/// The constants of one row-sharded fit, computed once by the coordinator from every shard's
/// <see cref="BlockSummary"/> (in shard order) and sent to each shard: the problem's size, the scaled
/// penalties, the sweeps per factor update and the stopping rule. Plain values, so that a distributed driver
/// can serialize it.
/// </summary>
/// <remarks>
/// Only what the row-sharded algorithm supports is accepted: <see cref="NmfSolver.CoordinateDescent"/>,
/// <see cref="NmfLoss.Frobenius"/>, <see cref="NmfInitialization.Random"/> (or <see cref="NmfInitialization.Auto"/>,
/// which means random here: NNDSVD needs the whole matrix), cyclic coordinate order.
/// </remarks>
public sealed record ShardedFitPlan
{
    /// <summary>Number of components k.</summary>
    public required int Rank { get; init; }
    /// <summary>Columns n (features) of every shard.</summary>
    public required int Columns { get; init; }
    /// <summary>Rows m of all the shards together.</summary>
    public required long Rows { get; init; }
    /// <summary>Stored values of all the shards together.</summary>
    public required long NonZeros { get; init; }
    /// <summary>Σ X over every shard, added in shard order.</summary>
    public required double Sum { get; init; }
    /// <summary>‖X‖²_F, added in shard order.</summary>
    public required double SquaredNorm { get; init; }
    /// <summary>The seed of the random start.</summary>
    public required int Seed { get; init; }
    /// <summary>Outer iterations at most.</summary>
    public required int MaxIterations { get; init; }
    /// <summary>Stopping tolerance relative to the first iteration's violation (0: run every iteration).</summary>
    public required double Tolerance { get; init; }
    /// <summary>Coordinate sweeps per W update.</summary>
    public required int SweepsW { get; init; }
    /// <summary>Coordinate sweeps per H update.</summary>
    public required int SweepsH { get; init; }
    /// <summary>Scaled L1 on W.</summary>
    public required double L1W { get; init; }
    /// <summary>Scaled L2 on W.</summary>
    public required double L2W { get; init; }
    /// <summary>Scaled L1 on H.</summary>
    public required double L1H { get; init; }
    /// <summary>Scaled L2 on H.</summary>
    public required double L2H { get; init; }
    /// <summary>Relative tolerance of the final per-row projection.</summary>
    public required double ProjectionTolerance { get; init; }
    /// <summary>Maximum sweeps of the final per-row projection.</summary>
    public required int ProjectionMaxIterations { get; init; }

    /// <summary>The penalty on W.</summary>
    public Penalty PenaltyW => new(L1W, L2W);

    /// <summary>The penalty on H.</summary>
    public Penalty PenaltyH => new(L1H, L2H);

    /// <summary>
    /// Checks <paramref name="options"/> against the sharded algorithm and the shards, and fixes the fit's constants.
    /// </summary>
    /// <param name="options">The settings (only CD, Frobenius, random start, no shuffle).</param>
    /// <param name="shards">Every shard's summary, in shard order.</param>
    /// <exception cref="ArgumentException">No shard, shards of different widths, all-zero data, or an option the sharded fit does not support (named).</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public static ShardedFitPlan Create(NmfFitOptions options, IReadOnlyList<BlockSummary> shards)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(shards);
        if (shards.Count == 0)
            throw new ArgumentException("A sharded fit needs at least one shard.", nameof(shards));
        int n = shards[0].Columns;
        long rows = 0, nonZeros = 0;
        double sum = 0, squares = 0;
        for (int b = 0; b < shards.Count; b++)
        {
            if (shards[b].Columns != n)
                throw new ArgumentException(Invariant($"Shard {b} has {shards[b].Columns} columns but shard 0 has {n}; every shard must come from the same featurization."), nameof(shards));
            rows = checked(rows + shards[b].Rows);
            nonZeros = checked(nonZeros + shards[b].NonZeros);
            sum += shards[b].Sum;
            squares += shards[b].SquaredNorm;
        }
        if (rows > int.MaxValue)
            throw new ArgumentException(Invariant($"The shards hold {rows} rows together; up to {int.MaxValue} are supported."), nameof(shards));
        if (sum == 0)
            throw new ArgumentException("Every shard is all zeros; there is nothing to factorize.", nameof(shards));
        Check(options);
        var (penaltyW, penaltyH) = Penalty.For(options, (int)rows, n);
        return new ShardedFitPlan
        {
            Rank = options.Rank,
            Columns = n,
            Rows = rows,
            NonZeros = nonZeros,
            Sum = sum,
            SquaredNorm = squares,
            Seed = options.Seed,
            MaxIterations = options.MaxIterations,
            Tolerance = options.Tolerance,
            SweepsW = options.InnerIterationsFor(nonZeros, (int)rows, n),
            SweepsH = options.InnerIterationsFor(nonZeros, n, (int)rows),
            L1W = penaltyW.L1,
            L2W = penaltyW.L2,
            L1H = penaltyH.L1,
            L2H = penaltyH.L2,
            ProjectionTolerance = options.ProjectionTolerance,
            ProjectionMaxIterations = options.ProjectionMaxIterations,
        };
    }

    /// <summary>The engine options this plan corresponds to (for the transformer built from its components).</summary>
    public NmfFitOptions ToOptions(NmfFitOptions template) => template with
    {
        Solver = NmfSolver.CoordinateDescent,
        Loss = NmfLoss.Frobenius,
        Initialization = NmfInitialization.Random,
        Shuffle = false,
    };

    private static void Check(NmfFitOptions o)
    {
        if (o.Rank < 1)
            throw new ArgumentOutOfRangeException(nameof(o.Rank), o.Rank, "Rank must be at least 1.");
        if (o.MaxIterations < 1)
            throw new ArgumentOutOfRangeException(nameof(o.MaxIterations), o.MaxIterations, "MaxIterations must be at least 1.");
        if (o.InnerIterations < 0)
            throw new ArgumentOutOfRangeException(nameof(o.InnerIterations), o.InnerIterations, "InnerIterations must be at least 1, or 0 to choose by rank.");
        if (!(o.Tolerance >= 0) || double.IsInfinity(o.Tolerance))
            throw new ArgumentOutOfRangeException(nameof(o.Tolerance), o.Tolerance, "Tolerance must be a finite number >= 0 (0 runs every iteration).");
        if (!(o.AlphaW >= 0) || double.IsInfinity(o.AlphaW))
            throw new ArgumentOutOfRangeException(nameof(o.AlphaW), o.AlphaW, "AlphaW must be a finite number >= 0.");
        if (o.AlphaH is double ah && (!(ah >= 0) || double.IsInfinity(ah)))
            throw new ArgumentOutOfRangeException(nameof(o.AlphaH), ah, "AlphaH must be a finite number >= 0, or null for the same as AlphaW.");
        if (!(o.L1Ratio >= 0 && o.L1Ratio <= 1))
            throw new ArgumentOutOfRangeException(nameof(o.L1Ratio), o.L1Ratio, "L1Ratio must be in [0, 1].");
        if (o.Solver != NmfSolver.CoordinateDescent)
            throw new ArgumentException($"Solver {o.Solver} is not supported by the sharded fit; use NmfSolver.CoordinateDescent.", nameof(o.Solver));
        if (o.Loss != NmfLoss.Frobenius)
            throw new ArgumentException($"Loss {o.Loss} is not supported by the sharded fit; use NmfLoss.Frobenius.", nameof(o.Loss));
        if (o.Initialization is not (NmfInitialization.Random or NmfInitialization.Auto))
            throw new ArgumentException($"Initialization {o.Initialization} is not supported by the sharded fit (NNDSVD and custom starts need the whole matrix); use NmfInitialization.Random.", nameof(o.Initialization));
        if (o.Shuffle)
            throw new ArgumentException("Shuffle is not supported by the sharded fit; leave it false (cyclic coordinate order).", nameof(o.Shuffle));
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
