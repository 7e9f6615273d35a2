using System.Diagnostics;
using System.Globalization;
using MLNet.Nmf.Engine.Initialization;
using MLNet.Nmf.Engine.Losses;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.Projection;
using MLNet.Nmf.Engine.Solvers;

namespace MLNet.Nmf.Engine;

/// <summary>
/// <see cref="NmfEngine.Fit"/> for data whose NaN entries are missing (<see cref="NmfMissingValues.Ignore"/>):
/// min ½ Σ_{(i,j) observed} (x_ij − w_i·h_j)² + penalties. The missing entries are taken out of the data
/// (<see cref="MissingPattern.Split"/>), the start is computed on the data with missing entries as zeros (only the
/// start: NNDSVD needs a complete matrix), the iterations are <see cref="MaskedCoordinateDescentSolver"/>, and the
/// returned W is every row projected on its observed slots with the very code that projects new rows. Data outside
/// the ordinary range is fitted scaled by an exact power of two and scaled back, as <see cref="NmfEngine.Fit"/> does
/// (<see cref="DataScale"/>); ordinary data is fitted as it is, bit for bit as before.
/// </summary>
internal static class MaskedFit
{
    public static NmfResult Run(INmfMatrix x, NmfFitOptions options)
    {
        if (!Enum.IsDefined(options.MissingValues))
            throw new ArgumentOutOfRangeException(nameof(options.MissingValues), options.MissingValues, "Unknown MissingValues; use Error or Ignore.");
        var (observed, pattern) = MissingPattern.Split(x);
        if (options.Solver != NmfSolver.CoordinateDescent)
            throw new ArgumentException(Invariant($"MissingValues = Ignore needs Solver = CoordinateDescent (the Frobenius loss), but Solver is {options.Solver}. Use CoordinateDescent, or fill the missing values and set MissingValues = Error."), nameof(options.MissingValues));
        if (pattern.Count == (long)x.Rows * x.Columns)
            throw new ArgumentException("Every entry of X is missing (NaN): there is nothing to factorize.", nameof(x));

        var data = DataOperand.Create(observed);
        var init = Initializer.Resolve(options.Initialization, options.Rank, data.Rows, data.Columns);
        OptionsValidator.Validate(options, data, init);
        CheckMaskedScratch(options.Rank, FitBudget.Threads(options, data));
        // Data beyond what float arithmetic carries is fitted scaled by an exact power of two, as NmfEngine.Fit does.
        var scale = DataScale.For(observed, data.SquaredNorm, options);
        OptionsValidator.CheckCustomMagnitude(options, init, scale);
        if (scale.IsNone)
            return FitCore(data, pattern, options, init);
        options.Log?.Invoke(Invariant($"NMF: the data's values are outside the range float products carry exactly; fitting X / 2^{scale.Exponent} and scaling W by 2^{scale.WExponent}, H by 2^{scale.HExponent}."));
        var scaled = FitCore(DataOperand.Create(scale.Apply(observed)), pattern, scale.Apply(options), init);
        return NmfEngine.Unscale(scaled, scale, new[] { data }, options, "x", pattern);
    }

    /// <summary>The masked fit of validated options on data in the ordinary range.</summary>
    private static NmfResult FitCore(DataOperand data, MissingPattern pattern, NmfFitOptions options, NmfInitialization init)
    {
        int k = options.Rank;
        var random = new SeededRandom((ulong)(uint)options.Seed);
        int degree = Math.Max(1, options.DegreeOfParallelism);
        var clock = Stopwatch.StartNew();
        var (w, ht) = Initializer.Create(data, options, init, random, degree);
        var state = new FitState(data, w, ht, k, options);
        _ = data.Transposed;
        _ = pattern.Transposed;
        var initTime = clock.Elapsed;
        options.Log?.Invoke(Invariant($"NMF: {data.Rows} x {data.Columns} ({data.StoredCount} stored, {pattern.Count} missing), rank {k}, {options.Solver} ignoring missing entries, init {init} (missing as zeros) in {initTime.TotalSeconds:F3} s."));
        clock.Restart();

        var outcome = MaskedCoordinateDescentSolver.Run(state, pattern);
        var solverTime = clock.Elapsed;
        options.Log?.Invoke(Invariant($"NMF: {outcome.Iterations} iterations in {solverTime.TotalSeconds:F3} s, {(outcome.Converged ? "converged" : "stopped at MaxIterations without converging")}; objective over observed entries {outcome.LossHistory[0]:G6} -> {outcome.LossHistory[^1]:G6}."));
        clock.Restart();

        var projector = new NmfProjector(ht, data.Columns, k, 2.0, state.PenaltyW, options.ProjectionTolerance, options.ProjectionMaxIterations, allowMissing: true);
        float[] features = projector.ProjectAll(data, pattern, degree, into: state.W);
        // Σ over all entries of the zero-filled data, minus what the missing entries (zeros there) contributed.
        double squaredError = Math.Max(Divergence.SquaredError(data, features, ht, k, degree) - MissingModelSquares(pattern, features, ht, k), 0);
        double divergence = 0.5 * squaredError;
        double objective = divergence + state.PenaltyW.Evaluate(features.AsSpan(0, data.Rows * k)) + state.PenaltyH.Evaluate(ht.AsSpan(0, data.Columns * k));
        double relativeError = data.SquaredNorm > 0 ? Math.Sqrt(squaredError / data.SquaredNorm) : 0;
        var projectionTime = clock.Elapsed;
        options.Log?.Invoke(Invariant($"NMF: features projected and evaluated in {projectionTime.TotalSeconds:F3} s; relative error over observed entries {relativeError:F6}."));

        return new NmfResult(
            new DenseMatrix(data.Rows, k, features.AsSpan(0, data.Rows * k).ToArray(), validate: false),
            new DenseMatrix(k, data.Columns, projector.CopyComponents(), validate: false),
            outcome.Iterations, outcome.Converged, outcome.LossHistory, relativeError, divergence, objective, projector,
            new NmfTimings(initTime, solverTime, projectionTime));
    }

    /// <summary>
    /// The masked sweeps need, per thread, eight k x k float Gram matrices in lanes plus one k x k Gram in double and
    /// in float: refused by name before anything is allocated when that cannot be held.
    /// </summary>
    private static void CheckMaskedScratch(int k, int degree)
    {
        long laneValues = checked((long)k * k * 8);
        long bytes = checked(((long)k * k * (8 * sizeof(float) + sizeof(double) + sizeof(float))) * degree);
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (laneValues > Array.MaxLength || bytes > available)
            throw new ArgumentOutOfRangeException(nameof(NmfFitOptions.Rank), k, Invariant(
                $"Rank {k} is too large for a fit with missing values: its per-row Gram matrices need {bytes} bytes on {degree} thread(s) ({laneValues} values per thread), beyond what this process can hold ({available} bytes available, {Array.MaxLength} values per array). Lower Rank or DegreeOfParallelism."));
    }

    /// <summary>
    /// Throws when a matrix built to allow missing entries has one while <see cref="NmfFitOptions.MissingValues"/> is Error,
    /// naming the row counted from <paramref name="firstRow"/> (a row block's first row in the whole data).
    /// </summary>
    public static void RefuseMissing(INmfMatrix x, long firstRow = 0)
    {
        if (x is not (DenseMatrix { AllowsMissing: true } or CsrMatrix { AllowsMissing: true }))
            return;
        var pattern = MissingPattern.Split(x).Pattern;
        if (pattern.Count == 0)
            return;
        int row = Array.FindIndex(pattern.RowPointers, 1, p => p > 0) - 1;
        throw MatrixChecks.InvalidValue(nameof(x), firstRow + row, pattern.Indices[0], float.NaN);
    }

    /// <summary>Σ_{(i,j) missing} (w_i·h_j)², in double.</summary>
    private static double MissingModelSquares(MissingPattern pattern, float[] w, float[] ht, int k)
    {
        double sum = 0;
        for (int i = 0; i < pattern.Rows; i++)
        {
            foreach (int j in pattern.Row(i))
            {
                double y = 0;
                for (int t = 0; t < k; t++)
                    y += (double)w[i * k + t] * ht[j * k + t];
                sum += y * y;
            }
        }
        return sum;
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
