using MLNet.Nmf.Engine.Kernels;
using MLNet.Nmf.Engine.Losses;
using MLNet.Nmf.Engine.Parallelism;

namespace MLNet.Nmf.Engine.Solvers;

/// <summary>
/// Cyclic coordinate descent for the generalized KL divergence (Hsieh &amp; Dhillon, KDD 2011): each
/// iteration sweeps the coordinates of every row of W (given H), then of every row of Hᵀ (given W)
/// through the transposed problem, with a few projected Newton steps per coordinate
/// (<see cref="KlCoordinateRow"/>). Stops like <see cref="CoordinateDescentSolver"/>: when the summed
/// projected-gradient violation falls below <c>tolerance</c> times the first iteration's, or after the first iteration
/// when that violation is rounding noise next to the size of the gradient's terms (<see cref="StoppingRule"/>).
/// </summary>
internal static unsafe class CoordinateDescentKLSolver
{
    /// <summary>Relative step size below which a coordinate's Newton steps stop during the fit.</summary>
    private const double NewtonTolerance = 1e-3;

    [ThreadStatic]
    private static KlRow? t_row;

    public static SolverOutcome Run(FitState state)
    {
        var options = state.Options;
        var history = ObjectiveHistory.Create(options.MaxIterations);
        double firstViolation = 0;
        int iteration = 0;
        bool converged = false;
        while (iteration < options.MaxIterations)
        {
            double penalty = state.PenaltyValue();
            var (violationW, divergence, scaleW) = UpdateSide(state, updateW: true);
            history.Add(divergence + penalty);
            var (violationH, _, scaleH) = UpdateSide(state, updateW: false);
            double violation = violationW + violationH;
            iteration++;
            state.Progress.Report(iteration, history);
            if (iteration == 1)
                firstViolation = violation;
            if (StoppingRule.Converged(iteration, violation, firstViolation, options.Tolerance, StoppingRule.KullbackLeiblerNoise(scaleW + scaleH)))
            {
                converged = true;
                break;
            }
        }
        history.Add(Divergence.Beta(state.X, state.W, state.Ht, state.Rank, 1.0, state.Degree) + state.PenaltyValue());
        return new SolverOutcome(iteration, converged, history.ToArray());
    }

    /// <summary>
    /// One sweep over every row of A. Returns the violation, the divergence before the sweep, and the size of the
    /// gradient's terms: each coordinate's gradient is Σ_j b_tj − Σ_j (x_j / (ab)_j)·b_tj, two sums of about Σ_j b_tj
    /// near a fit, so the rows' Σ_t Σ_j b_tj (rows times B's sum) is what <see cref="StoppingRule"/> measures noise against.
    /// </summary>
    private static (double Violation, double Divergence, double Scale) UpdateSide(FitState state, bool updateW)
    {
        var (data, a, b, penalty, blocks) = state.Side(updateW);
        int k = state.Rank;
        double[] bSums = FactorOps.ColumnSums(b, data.Columns, k);
        double[] aSums = FactorOps.ColumnSums(a, data.Rows, k);
        int[] order = state.Order();
        var violations = new double[blocks.BlockCount];
        var divergences = new double[blocks.BlockCount];
        BlockRunner.For(blocks.BlockCount, state.Degree, block =>
        {
            var gathered = t_row ??= new KlRow(); // per thread, reused: every row overwrites what it reads
            double violation = 0, divergence = 0, change = 0;
            fixed (float* pa = a, pb = b)
            fixed (double* sums = bSums)
            {
                for (int i = blocks.Start(block); i < blocks.End(block); i++)
                {
                    data.GetRow(i, out var indices, out var values);
                    float* row = pa + (long)i * k;
                    fixed (int* pi = indices)
                    fixed (float* pv = values)
                    {
                        KlCoordinateRow.Gather(gathered, row, pi, pv, indices.Length, pb, k);
                        if (updateW)
                            divergence += KlCoordinateRow.StoredDivergence(gathered);
                        violation += KlCoordinateRow.Sweep(gathered, row, k, sums, penalty.L1, penalty.L2, order,
                            NewtonTolerance, ref change);
                    }
                }
            }
            violations[block] = violation;
            divergences[block] = divergence;
        });
        double totalViolation = 0, totalDivergence = 0;
        for (int block = 0; block < blocks.BlockCount; block++)
        {
            totalViolation += violations[block];
            totalDivergence += divergences[block];
        }
        double bTotal = 0;
        for (int t = 0; t < k; t++)
        {
            totalDivergence += aSums[t] * bSums[t];
            bTotal += bSums[t];
        }
        return (totalViolation, totalDivergence, 2.0 * data.Rows * bTotal);
    }
}
