using System.Globalization;
using MLNet.Nmf.Engine;

namespace MLNet.Nmf.Serialization;

/// <summary>
/// What a model's values must be for its payload to load again: the checks of <see cref="NmfModelFormat"/>'s decoder
/// (which throws <see cref="InvalidDataException"/>), applied also by <see cref="NmfTransformer.FromComponents"/> (which
/// throws <see cref="ArgumentException"/> naming its parameter), so that nothing is built that the decoder refuses.
/// Each check returns null when the value is one a fitted model can hold, else the problem in words.
/// </summary>
internal static class NmfModelChecks
{
    public static string? Dimensions(int rank, int features) =>
        !(rank >= 1 && features >= 1) ? Invariant($"Invalid dimensions: rank {rank}, features {features}.")
        : rank > features ? Invariant($"Rank {rank} is above the number of features {features}; a fit never produces that.")
        : null;

    public static string? Solver(int code) => Enum.IsDefined((NmfSolver)code) ? null : Invariant($"Unknown solver code {code}.");

    public static string? Loss(int code) => Enum.IsDefined((NmfLoss)code) ? null : Invariant($"Unknown loss code {code}.");

    /// <summary>β must be what the loss code says (2, 1, 0, or within the supported range for Beta) and what the solver minimizes.</summary>
    public static string? Beta(NmfSolver solver, NmfLoss loss, double beta)
    {
        double expected = loss switch { NmfLoss.Frobenius => 2, NmfLoss.KullbackLeibler => 1, NmfLoss.ItakuraSaito => 0, _ => beta };
        if (!(beta >= NmfFitOptions.Limits.MinBeta && beta <= NmfFitOptions.Limits.MaxBeta))
            return Invariant($"Invalid beta {beta}; supported betas are in [{NmfFitOptions.Limits.MinBeta}, {NmfFitOptions.Limits.MaxBeta}].");
        if (beta != expected)
            return Invariant($"Beta {beta} contradicts loss {loss} (beta {expected}).");
        if (solver == NmfSolver.CoordinateDescent && beta != 2)
            return Invariant($"Beta {beta} contradicts solver {solver}, which minimizes the Frobenius loss (beta 2).");
        if (solver == NmfSolver.CoordinateDescentKL && beta != 1)
            return Invariant($"Beta {beta} contradicts solver {solver}, which minimizes the Kullback-Leibler divergence (beta 1).");
        return null;
    }

    /// <summary>A scaled penalty weight; <paramref name="name"/> is L1 or L2.</summary>
    public static string? Penalty(string name, double value) => value >= 0 && value <= NmfFitOptions.Limits.MaxPenalty ? null
        : Invariant($"Invalid penalty {name} = {value}; a fit's penalties are in [0, {NmfFitOptions.Limits.MaxPenalty:G6}].");

    public static string? ProjectionTolerance(double tolerance) => tolerance >= 0 && tolerance <= 1 ? null
        : Invariant($"Invalid projection tolerance {tolerance}; it is a relative change in [0, 1].");

    public static string? ProjectionSweeps(int sweeps) => sweeps >= 1 && sweeps <= NmfFitOptions.Limits.MaxProjectionIterations ? null
        : Invariant($"Invalid projection sweep limit {sweeps}; it is in [1, {NmfFitOptions.Limits.MaxProjectionIterations}].");

    /// <summary>Entry <paramref name="index"/> of the components (row-major, <paramref name="features"/> per component).</summary>
    public static string? Component(int index, int features, float value) => value >= 0 && float.IsFinite(value) ? null
        : Invariant($"Component {index / features}, feature {index % features} holds {value}; components must be finite and non-negative.");

    /// <summary>Each component's Σ_j H[t, j]² within the bound that keeps the projection's float Gram matrix finite.</summary>
    public static string? ComponentNorms(ReadOnlySpan<float> components, int rank, int features)
    {
        for (int t = 0; t < rank; t++)
        {
            double squares = 0;
            foreach (float v in components.Slice(t * features, features))
                squares += (double)v * v;
            if (!(squares <= NmfFitOptions.Limits.MaxComponentSquaredNorm))
                return Invariant($"Component {t} has squared norm {squares:G6}, above {NmfFitOptions.Limits.MaxComponentSquaredNorm:G6}: its projections would overflow float. A fit never produces that.");
        }
        return null;
    }

    public static string? Iterations(int iterations) => iterations >= 0 ? null : Invariant($"Invalid iteration count {iterations}.");

    public static string? ReconstructionError(double error) => double.IsFinite(error) && error >= 0 ? null : Invariant($"Invalid reconstruction error {error}.");

    public static string? Divergence(double divergence) => double.IsFinite(divergence) ? null : Invariant($"Invalid divergence {divergence}.");

    public static string? LossHistoryEntry(int index, double value) => double.IsFinite(value) ? null
        : Invariant($"Loss history entry {index} is {value}; a fit's objective is finite.");

    /// <summary>A model has no slot names (0) or one per feature.</summary>
    public static string? SlotNameCount(int count, int features) => count == 0 || count == features ? null
        : Invariant($"The model has {count} slot names for {features} features.");

    /// <summary>The payload stores each slot name as a string: it has no null.</summary>
    public static string? SlotName(int index, string? name) => name is not null ? null
        : Invariant($"Slot name {index} is null; the model stores a name for every slot. Give an empty string for a slot without a name.");

    public static string? MissingValues(int code) => Enum.IsDefined((NmfMissingValues)code) ? null : Invariant($"Unknown missing-values code {code}.");

    public static string? MissingValuesWithBeta(NmfMissingValues missingValues, double beta) => missingValues == NmfMissingValues.Error || beta == 2 ? null
        : Invariant($"MissingValues Ignore with beta {beta}; only the Frobenius loss supports it.");

    public static string? ProjectionRule(int rule) => rule is 0 or 1 ? null
        : Invariant($"Invalid projection rule {rule}; it is 0 (sweeps up to the limit) or 1 (then the exact finish).");

    public static string? NewtonTolerance(double tolerance) => tolerance >= 0 && tolerance <= 1 ? null
        : Invariant($"Invalid Newton step tolerance {tolerance}; it is a relative step in [0, 1].");

    private static string Invariant(FormattableString message) => message.ToString(CultureInfo.InvariantCulture);
}
