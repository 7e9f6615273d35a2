using System.Globalization;
using MLNet.Nmf.Engine.Matrices;

namespace MLNet.Nmf.Engine;

/// <summary>Checks <see cref="NmfFitOptions"/> against the data once, before any work; messages name the option.</summary>
internal static class OptionsValidator
{
    /// <summary>Checks the options against the data, then the fit's sizes and memory (<see cref="FitBudget"/>).</summary>
    public static void Validate(NmfFitOptions o, DataOperand x, NmfInitialization init)
    {
        Validate(o, x.Rows, x.Columns, x.Sum, x.MinValue, init);
        FitBudget.Check(o, x, init);
    }

    /// <summary>Checks the options against data of <paramref name="rows"/> x <paramref name="columns"/> with the given sum and smallest value.</summary>
    public static void Validate(NmfFitOptions o, int rows, int columns, double sum, float minValue, NmfInitialization init)
    {
        ValidateOptions(o);
        if (o.Rank > columns)
            throw new ArgumentOutOfRangeException(nameof(o.Rank), o.Rank, Invariant(
                $"Rank {o.Rank} is above the number of features ({columns}): with more components than features the factorization has no unique meaning, and memory grows with Rank. Use Rank <= {columns}."));
        double beta = o.EffectiveBeta;
        if (o.Solver == NmfSolver.MultiplicativeUpdate && beta <= 0 && minValue <= 0)
            throw new ArgumentException(Invariant($"With beta = {beta} <= 0 the multiplicative updates diverge on zeros, and X contains zeros. Add a small positive value to X, or use a beta > 0 (e.g. Loss = KullbackLeibler)."), nameof(o.Beta));
        if (sum <= 0)
            throw new ArgumentException("X is all zeros: there is nothing to factorize.", "x");

        bool svd = init is NmfInitialization.Nndsvd or NmfInitialization.Nndsvda or NmfInitialization.Nndsvdar;
        if (svd && o.Rank > Math.Min(rows, columns))
            throw new ArgumentException(Invariant($"Initialization {init} needs Rank <= min(rows, columns) = {Math.Min(rows, columns)}, but Rank is {o.Rank}. Lower the rank or use Initialization = Random."), nameof(o.Initialization));
        if (init == NmfInitialization.Custom)
        {
            CheckCustom(o.InitialW, nameof(o.InitialW), rows, o.Rank);
            CheckCustom(o.InitialH, nameof(o.InitialH), o.Rank, columns);
        }
    }

    /// <summary>Checks every option that does not depend on the data (see <see cref="NmfFitOptions.Validate"/>).</summary>
    public static void ValidateOptions(NmfFitOptions o)
    {
        if (o.Rank < 1)
            throw new ArgumentOutOfRangeException(nameof(o.Rank), o.Rank, "Rank must be at least 1.");
        if (o.MaxIterations < 1)
            throw new ArgumentOutOfRangeException(nameof(o.MaxIterations), o.MaxIterations, "MaxIterations must be at least 1.");
        if (o.InnerIterations < 0)
            throw new ArgumentOutOfRangeException(nameof(o.InnerIterations), o.InnerIterations, "InnerIterations must be at least 1, or 0 to choose by rank.");
        if (!(o.Tolerance >= 0) || double.IsInfinity(o.Tolerance))
            throw new ArgumentOutOfRangeException(nameof(o.Tolerance), o.Tolerance, "Tolerance must be a finite number >= 0 (0 runs every iteration).");
        if (!(o.AlphaW >= 0 && o.AlphaW <= NmfFitOptions.Limits.MaxAlpha))
            throw new ArgumentOutOfRangeException(nameof(o.AlphaW), o.AlphaW, Invariant($"AlphaW must be a number in [0, {NmfFitOptions.Limits.MaxAlpha:G}]."));
        if (o.AlphaH is double ah && !(ah >= 0 && ah <= NmfFitOptions.Limits.MaxAlpha))
            throw new ArgumentOutOfRangeException(nameof(o.AlphaH), ah, Invariant($"AlphaH must be a number in [0, {NmfFitOptions.Limits.MaxAlpha:G}], or null for the same as AlphaW."));
        if (!(o.L1Ratio >= 0 && o.L1Ratio <= 1))
            throw new ArgumentOutOfRangeException(nameof(o.L1Ratio), o.L1Ratio, "L1Ratio must be in [0, 1].");
        if (o.DegreeOfParallelism < 1)
            throw new ArgumentOutOfRangeException(nameof(o.DegreeOfParallelism), o.DegreeOfParallelism, "DegreeOfParallelism must be at least 1.");
        if (!(o.ProjectionTolerance >= 0 && o.ProjectionTolerance <= 1))
            throw new ArgumentOutOfRangeException(nameof(o.ProjectionTolerance), o.ProjectionTolerance, "ProjectionTolerance must be a number in [0, 1] (a relative change).");
        if (o.ProjectionMaxIterations < 1 || o.ProjectionMaxIterations > NmfFitOptions.Limits.MaxProjectionIterations)
            throw new ArgumentOutOfRangeException(nameof(o.ProjectionMaxIterations), o.ProjectionMaxIterations, Invariant($"ProjectionMaxIterations must be in [1, {NmfFitOptions.Limits.MaxProjectionIterations}]."));
        if (!double.IsFinite(o.Beta))
            throw new ArgumentOutOfRangeException(nameof(o.Beta), o.Beta, "Beta must be a finite number.");
        if (o.Loss == NmfLoss.Beta && !(o.Beta >= NmfFitOptions.Limits.MinBeta && o.Beta <= NmfFitOptions.Limits.MaxBeta))
            throw new ArgumentOutOfRangeException(nameof(o.Beta), o.Beta, Invariant($"Beta must be a number in [{NmfFitOptions.Limits.MinBeta}, {NmfFitOptions.Limits.MaxBeta}] (2 Frobenius, 1 Kullback-Leibler, 0 Itakura-Saito)."));
        if (!Enum.IsDefined(o.Solver))
            throw new ArgumentOutOfRangeException(nameof(o.Solver), o.Solver, "Unknown solver.");
        if (!Enum.IsDefined(o.Loss))
            throw new ArgumentOutOfRangeException(nameof(o.Loss), o.Loss, "Unknown loss.");
        if (!Enum.IsDefined(o.Initialization))
            throw new ArgumentOutOfRangeException(nameof(o.Initialization), o.Initialization, "Unknown initialization.");

        // scikit-learn warns that a W or H given with init != 'custom' is ignored; silently fitting from another start
        // (a warm start that is not one) is refused here instead.
        if ((o.InitialW is not null || o.InitialH is not null) && o.Initialization != NmfInitialization.Custom)
            throw new ArgumentException(Invariant(
                $"{(o.InitialW is not null ? "InitialW" : "InitialH")} is given, but Initialization is {o.Initialization}, which would ignore it. Set Initialization = Custom to start from InitialW and InitialH, or leave them null."),
                nameof(o.Initialization));

        double effective = o.EffectiveBeta;
        if (o.Solver == NmfSolver.CoordinateDescent && effective != 2)
            throw new ArgumentException(Invariant($"Solver CoordinateDescent minimizes the Frobenius loss only, but Loss is {o.Loss} (beta = {effective}). Use MultiplicativeUpdate, or CoordinateDescentKL for Kullback-Leibler."), nameof(o.Solver));
        if (o.Solver == NmfSolver.CoordinateDescentKL && effective != 1)
            throw new ArgumentException(Invariant($"Solver CoordinateDescentKL minimizes the Kullback-Leibler divergence only, but Loss is {o.Loss} (beta = {effective}). Set Loss = KullbackLeibler."), nameof(o.Solver));
    }

    /// <summary>
    /// β ≤ 0 with multiplicative updates needs X without zeros (<see cref="Validate(NmfFitOptions, int, int, double, float, NmfInitialization)"/>
    /// checks the data as given). Data fitted scaled by 2^−E (<see cref="DataScale"/>) can gain zeros: values more than
    /// float's range below the largest underflow. Refused, naming Beta, rather than fitted to an infinite objective.
    /// </summary>
    public static void CheckScaledZeros(NmfFitOptions o, float minValue, float largest, float scaledMinValue, DataScale scale)
    {
        double beta = o.EffectiveBeta;
        if (o.Solver != NmfSolver.MultiplicativeUpdate || beta > 0 || scale.IsNone || !(minValue > 0) || scaledMinValue > 0)
            return;
        throw new ArgumentException(Invariant(
            $"With beta = {beta} <= 0 the multiplicative updates diverge on zeros. X has no zeros, but its values span {minValue:G3} to {largest:G3}, a range float cannot carry: the fit scales X by 2^-{scale.Exponent}, where its smallest values become 0. Compress the range (e.g. log1p, or raise the smallest values), or use a beta > 0 (e.g. Loss = KullbackLeibler)."),
            nameof(o.Beta));
    }

    /// <summary>
    /// A custom start is fitted in float like the data (after the data's own scale, <see cref="DataScale"/>): each factor's
    /// largest value, and their product, must lie within 2^±<see cref="CustomStartExponent"/> of 1 there, so that no
    /// Gram matrix or product of the first iterations overflows or vanishes. Ordinary data tops out at 2⁴⁰, so a start
    /// whose W·H is of the data's magnitude (an NNDSVD of the same data, a fit of similar data) is always accepted.
    /// </summary>
    internal const int CustomStartExponent = 48;

    /// <summary>
    /// Refuses, naming InitialW or InitialH, a custom start far outside the data's magnitude (e.g. values of 1e30 on data
    /// of 1): float cannot carry its first iterations, which would end in zeros, infinities or an overflow blamed on a row.
    /// </summary>
    public static void CheckCustomMagnitude(NmfFitOptions o, NmfInitialization init, DataScale scale)
    {
        if (init != NmfInitialization.Custom || o.InitialW is not { } w || o.InitialH is not { } h)
            return;
        double a = DataScale.Largest(w.Values), b = DataScale.Largest(h.Values);
        double low = Math.ScaleB(1.0, -CustomStartExponent), high = Math.ScaleB(1.0, CustomStartExponent);
        double wLow = Math.ScaleB(low, scale.WExponent), wHigh = Math.ScaleB(high, scale.WExponent);
        double hLow = Math.ScaleB(low, scale.HExponent), hHigh = Math.ScaleB(high, scale.HExponent);
        double pLow = Math.ScaleB(low, scale.Exponent), pHigh = Math.ScaleB(high, scale.Exponent);
        const string advice = "Scale the custom start so that W·H is of the data's magnitude (a start's scale does not matter to the factorization it leads to), or use Initialization = Nndsvda or Random.";
        if (!(a >= wLow && a <= wHigh))
            throw new ArgumentException(Invariant($"InitialW's largest value is {a:G6}, outside [{wLow:G6}, {wHigh:G6}], the range in which the fit's float arithmetic can start from it on this data. {advice}"), nameof(o.InitialW));
        if (!(b >= hLow && b <= hHigh))
            throw new ArgumentException(Invariant($"InitialH's largest value is {b:G6}, outside [{hLow:G6}, {hHigh:G6}], the range in which the fit's float arithmetic can start from it on this data. {advice}"), nameof(o.InitialH));
        if (!(a * b >= pLow && a * b <= pHigh))
            throw new ArgumentException(Invariant($"InitialW's largest value {a:G6} times InitialH's largest value {b:G6} is {a * b:G6}, outside [{pLow:G6}, {pHigh:G6}], the range in which the fit's float arithmetic can start from W·H on this data. {advice}"), nameof(o.InitialW));
    }

    internal static void CheckCustom(DenseMatrix? m, string name, int rows, int columns)
    {
        if (m is null)
            throw new ArgumentException($"Initialization Custom needs {name} ({rows} x {columns}).", name);
        if (m.Rows != rows || m.Columns != columns)
            throw new ArgumentException($"{name} must be {rows} x {columns} but is {m.Rows} x {m.Columns}.", name);
        int bad = MatrixChecks.FirstInvalid(m.Values);
        if (bad >= 0)
        {
            // Not the data's message: a start has no missing entries to mark, so NaN is no hint to set MissingValues.
            float v = m.Values[bad];
            string what = float.IsNaN(v) ? "NaN" : float.IsInfinity(v) ? "an infinite value" : "a negative value";
            throw new ArgumentException(Invariant(
                $"{name} has {what} ({v}) at row {bad / columns}, column {bad % columns}; a custom start must be finite and non-negative everywhere (it has no missing entries). Fix the start, or use Initialization Nndsvda or Random."), name);
        }
        bool anyPositive = false;
        foreach (float v in m.Values)
            if (v > 0) { anyPositive = true; break; }
        if (!anyPositive)
            throw new ArgumentException($"{name} is all zeros; a custom start needs at least one positive value (all-zero factors never move).", name);
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
