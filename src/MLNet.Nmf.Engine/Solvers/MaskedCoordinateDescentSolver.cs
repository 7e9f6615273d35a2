using System.Diagnostics;
using MLNet.Nmf.Engine.Kernels;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.Parallelism;

namespace MLNet.Nmf.Engine.Solvers;

/// <summary>
/// Coordinate descent (HALS) for ½ Σ_{(i,j) observed} (x_ij − w_i·h_j)² plus penalties: the
/// <see cref="NmfMissingValues.Ignore"/> counterpart of <see cref="CoordinateDescentSolver"/>, with the same
/// updates, inner sweeps, stopping rule (<see cref="StoppingRule"/>) and determinism. The product with X is the same (missing entries were
/// taken out of the data, see <see cref="MissingPattern.Split"/>); what changes is that each row of the factor
/// being updated has its own Gram matrix, over the other factor's rows it is observed with
/// (<see cref="MaskedKernels.RowGram"/>). The H update is the same routine on the transposed problem.
/// </summary>
/// <remarks>
/// A row with nothing observed has a zero Gram matrix and a zero product, so each of its coordinates is set to 0
/// (<see cref="MaskedKernels.Sweep"/>): rows with nothing observed get zero features, and columns with nothing
/// observed get zero in every component (so the reconstruction predicts 0 there). No NaN can arise: no
/// division by a zero pivot ever happens.
/// </remarks>
internal static unsafe class MaskedCoordinateDescentSolver
{
    private const int Lanes = 8;

    public static SolverOutcome Run(FitState state, MissingPattern pattern)
    {
        var options = state.Options;
        int k = state.Rank;
        var history = ObjectiveHistory.Create(options.MaxIterations);
        var product = new float[Math.Max(state.Rows, state.Columns) * k + FactorLayout.Padding];

        double firstViolation = 0;
        int iteration = 0;
        bool converged = false;
        while (iteration < options.MaxIterations)
        {
            // The W update sees the factors as the previous iteration left them: its objective is free.
            double penalties = state.PenaltyValue();
            double hSquared = iteration == 0 ? SquaredNorm(state.Ht, state.Columns * k) : 0; // H as the W side's gradient sees it
            var (violation, dataTerm) = UpdateSide(state, pattern, updateW: true, product, update: true);
            history.Add(dataTerm + penalties);
            double noise = iteration == 0
                ? StoppingRule.FrobeniusNoise(state.Rows, state.Columns, k, state.X.SquaredNorm, SquaredNorm(state.W, state.Rows * k), hSquared)
                : 0;
            violation += UpdateSide(state, pattern.Transposed, updateW: false, product, update: true).Violation;
            iteration++;
            state.Progress.Report(iteration, history); // progress, and cancellation (the token, MLContext.CancelExecution)

            if (iteration == 1)
                firstViolation = violation;
            if (StoppingRule.Converged(iteration, violation, firstViolation, options.Tolerance, noise))
            {
                converged = true;
                break;
            }
        }
        history.Add(UpdateSide(state, pattern, updateW: true, product, update: false).DataTerm + state.PenaltyValue());
        return new SolverOutcome(iteration, converged, history.ToArray());
    }

    private static double SquaredNorm(float[] factor, int length)
    {
        double sum = 0;
        for (int i = 0; i < length; i++)
            sum += (double)factor[i] * factor[i];
        return sum;
    }

    /// <summary>
    /// One masked HALS update of W (or of Hᵀ through the transposed problem), or with <paramref name="update"/>
    /// false only the evaluation. Returns the violation and ½ Σ_observed (x − model)² of the factors before the update.
    /// </summary>
    private static (double Violation, double DataTerm) UpdateSide(FitState state, MissingPattern pattern, bool updateW, float[] product, bool update)
    {
        var (data, a, b, penalty, blocks) = state.Side(updateW);
        int k = state.Rank, other = data.Columns, degree = state.Degree;
        long start = Stopwatch.GetTimestamp();
        data.Multiply(b, k, product, degree);
        double[] full = FactorOps.Gram(b, other, k, degree);
        StageClock.Add(updateW ? "masked product and Gram W" : "masked product and Gram H", start);

        start = Stopwatch.GetTimestamp();
        float[] shared = FactorOps.ToFloat(full, k, penalty.L2);
        int[] order = update ? state.Order() : Enumerable.Range(0, k).ToArray();
        int sweeps = state.Options.InnerIterationsFor(data.NonZeroCount, data.Rows, data.Columns);
        float l1 = (float)penalty.L1;
        double l2 = penalty.L2;
        var violations = new double[blocks.BlockCount];
        var crosses = new double[blocks.BlockCount];
        var quadratics = new double[blocks.BlockCount];
        BlockRunner.For(blocks.BlockCount, degree, block =>
        {
            var rowGram = new double[k * k];
            var rowGramFloat = new float[k * k + FactorLayout.Padding];
            var laneGrams = new float[k * k * Lanes];
            var lanesA = new float[k * Lanes];
            var lanesP = new float[k * Lanes];
            double violation = 0, cross = 0, quadratic = 0;
            fixed (float* pa = a, pb = b, pp = product, ps = shared, pf = rowGramFloat, pl = laneGrams, pla = lanesA, plp = lanesP)
            fixed (double* pfull = full, pg = rowGram)
            fixed (int* po = order)
            {
                int end = blocks.End(block);
                for (int first = blocks.Start(block); first < end; first += Lanes)
                {
                    int count = Math.Min(Lanes, end - first);
                    for (int r = 0; r < Lanes; r++)
                    {
                        if (r >= count)
                        {
                            for (int e = 0; e < k * k; e++)
                                pl[e * Lanes + r] = 0f;
                            continue;
                        }
                        int i = first + r;
                        float* row = pa + (long)i * k, p = pp + (long)i * k;
                        var missing = pattern.Row(i);
                        double* g = pfull;
                        float* gf = ps;
                        if (!missing.IsEmpty)
                        {
                            MaskedKernels.RowGram(full, pb, k, missing, other, pg);
                            MaskedKernels.ToFloat(pg, k, l2, pf);
                            g = pg;
                            gf = pf;
                        }
                        for (int t = 0; t < k; t++)
                            cross += (double)row[t] * p[t];
                        quadratic += MaskedKernels.Quadratic(row, g, k);
                        for (int e = 0; e < k * k; e++)
                            pl[e * Lanes + r] = gf[e];
                    }
                    if (!update)
                        continue;
                    // Eight rows per vector, each with its own Gram matrix (MaskedVectorKernels).
                    VectorKernels.ToLanes(pa + (long)first * k, count, k, pla);
                    VectorKernels.ToLanes(pp + (long)first * k, count, k, plp);
                    violation += MaskedVectorKernels.Sweeps8(pla, plp, pl, l1, k, po, count, sweeps);
                    VectorKernels.FromLanes(pla, count, k, pa + (long)first * k);
                }
            }
            violations[block] = violation;
            crosses[block] = cross;
            quadratics[block] = quadratic;
        });
        StageClock.Add(updateW ? "masked HALS sweeps W" : "masked HALS sweeps H", start);
        double totalViolation = 0, totalCross = 0, totalQuadratic = 0;
        for (int block = 0; block < blocks.BlockCount; block++)
        {
            totalViolation += violations[block];
            totalCross += crosses[block];
            totalQuadratic += quadratics[block];
        }
        return (totalViolation, 0.5 * Math.Max(data.SquaredNorm - 2 * totalCross + totalQuadratic, 0));
    }
}
