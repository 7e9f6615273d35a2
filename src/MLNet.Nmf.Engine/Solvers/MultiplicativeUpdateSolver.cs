using MLNet.Nmf.Engine.Kernels;
using MLNet.Nmf.Engine.Losses;
using MLNet.Nmf.Engine.Parallelism;

namespace MLNet.Nmf.Engine.Solvers;

/// <summary>
/// Multiplicative updates for the beta-divergence plus penalties (Lee &amp; Seung 2001; Févotte &amp;
/// Idier 2011), as scikit-learn's <c>_fit_multiplicative_update</c>:
/// A ← A ∘ (numerator / denominator)^γ with γ = 1/(2 − β) for β &lt; 1, 1/(β − 1) for β &gt; 2, else 1.
/// For sparse X, the ratio terms are evaluated at the stored entries only; for β ∉ {1, 2} the
/// denominator needs every entry of WH, which is formed one row at a time and never stored.
/// Stops when the objective decreased by less than <c>tolerance</c> times the initial objective over
/// the last 10 iterations (scikit-learn checks every 10 iterations).
/// </summary>
internal static unsafe class MultiplicativeUpdateSolver
{
    private const float Epsilon = 1.1920929e-07f; // float32 machine epsilon, as scikit-learn's EPSILON

    [ThreadStatic]
    private static KlRowScratch? t_scratch;

    [ThreadStatic]
    private static float[]? t_fullRow;

    public static SolverOutcome Run(FitState state)
    {
        var scratch = FactorLayout.Rent(Math.Max(state.Rows, state.Columns), state.Rank);
        try
        {
            return Iterate(state, scratch);
        }
        finally
        {
            Memory.BufferPool.Return(scratch);
        }
    }

    private static SolverOutcome Iterate(FitState state, float[] scratch)
    {
        var options = state.Options;
        double beta = options.EffectiveBeta;
        int k = state.Rank;
        var history = ObjectiveHistory.Create(options.MaxIterations);
        double[]? htGram = beta == 2 ? FactorOps.Gram(state.Ht, state.Columns, k, state.Degree) : null;
        if (beta == 2)
            history.Add(FrobeniusObjective.Compute(state, htGram!, scratch));

        int iteration = 0;
        bool converged = false;
        while (iteration < options.MaxIterations)
        {
            if (beta == 2)
            {
                UpdateFrobenius(state, updateW: true, htGram!, scratch);
                double[] wGram = FactorOps.Gram(state.W, state.Rows, k, state.Degree);
                UpdateFrobenius(state, updateW: false, wGram, scratch);
                htGram = FactorOps.Gram(state.Ht, state.Columns, k, state.Degree);
                history.Add(FrobeniusObjective.FromProducts(state, scratch, wGram, htGram));
            }
            else if (beta == 1)
            {
                // The W pass sees the model before this iteration: it returns that objective for free.
                double penalty = state.PenaltyValue();
                history.Add(UpdateKullbackLeibler(state, updateW: true) + penalty);
                UpdateKullbackLeibler(state, updateW: false);
            }
            else
            {
                history.Add(Divergence.Beta(state.X, state.W, state.Ht, k, beta, state.Degree) + state.PenaltyValue());
                UpdateGeneralBeta(state, updateW: true, beta);
                UpdateGeneralBeta(state, updateW: false, beta);
            }
            iteration++;
            state.Progress.Report(iteration, history);

            // scikit-learn's rule: every 10 iterations, stop when (previous − current) / initial < tol. A start whose
            // objective is 0 (an exact start) has nothing to decrease: converged, where the rule's 0 / 0 never stops.
            int last = history.Count - 1;
            if (options.Tolerance > 0 && iteration % 10 == 0 && last >= 10)
            {
                double decrease = history[0] > 0 ? (history[last - 10] - history[last]) / history[0] : 0;
                if (decrease < options.Tolerance)
                {
                    converged = true;
                    break;
                }
            }
        }
        if (beta != 2)
            history.Add(Divergence.Beta(state.X, state.W, state.Ht, k, beta, state.Degree) + state.PenaltyValue());
        return new SolverOutcome(iteration, converged, history.ToArray());
    }

    /// <summary>β = 2: A ← A ∘ (MB) / (A·BᵀB + L1 + L2·A).</summary>
    private static void UpdateFrobenius(FitState state, bool updateW, double[] otherGram, float[] product)
    {
        var (data, a, b, penalty, blocks) = state.Side(updateW);
        int k = state.Rank;
        data.Multiply(b, k, product, state.Degree);
        float[] gram = FactorOps.ToFloat(otherGram, k, 0);
        float l1 = (float)penalty.L1, l2 = (float)penalty.L2;
        BlockRunner.For(blocks.BlockCount, state.Degree, block =>
        {
            Span<float> denominators = k <= 4096 ? stackalloc float[k] : new float[k];
            fixed (float* denominator = denominators)
            fixed (float* pa = a, pp = product, pg = gram)
            {
                for (int i = blocks.Start(block); i < blocks.End(block); i++)
                {
                    float* row = pa + (long)i * k, num = pp + (long)i * k;
                    for (int t = 0; t < k; t++)
                        denominator[t] = VectorKernels.Dot(row, pg + t * k, k) + l1 + l2 * row[t];
                    for (int t = 0; t < k; t++)
                    {
                        float d = denominator[t] == 0f ? Epsilon : denominator[t];
                        row[t] *= num[t] / d;
                    }
                }
            }
        });
    }

    /// <summary>
    /// β = 1: a ← a ∘ (Σ_j (x_j / (ab)_j) b_j) / (Σ_j b_j + L1 + L2·a), over each row's stored entries.
    /// Returns the KL divergence of the model before the update.
    /// </summary>
    private static double UpdateKullbackLeibler(FitState state, bool updateW)
    {
        var (data, a, b, penalty, blocks) = state.Side(updateW);
        int k = state.Rank;
        double[] bSums = FactorOps.ColumnSums(b, data.Columns, k);
        double[] aSums = FactorOps.ColumnSums(a, data.Rows, k);
        float l1 = (float)penalty.L1, l2 = (float)penalty.L2;
        var partial = new double[blocks.BlockCount];
        BlockRunner.For(blocks.BlockCount, state.Degree, block =>
        {
            var rowScratch = t_scratch is { } cached && cached.Rank == k ? cached : (t_scratch = new KlRowScratch(k)); // per thread, reused
            double divergence = 0;
            fixed (float* pa = a, pb = b)
            {
                for (int i = blocks.Start(block); i < blocks.End(block); i++)
                {
                    data.GetRow(i, out var indices, out var values);
                    float* row = pa + (long)i * k;
                    var wh = rowScratch.Model(indices.Length);
                    rowScratch.LoadRow(row);
                    fixed (int* pi = indices)
                    fixed (float* pwh = wh)
                        VectorKernels.GatherRowDots(rowScratch.PaddedRow, pi, indices.Length, pb, k, pwh);
                    divergence += KlTerms.StoredPart(values, wh);
                    var ratio = rowScratch.Ratio(indices.Length);
                    for (int p = 0; p < ratio.Length; p++)
                        ratio[p] = values[p] / MathF.Max(wh[p], Epsilon);
                    float* numerator = rowScratch.Numerator;
                    fixed (int* pi = indices)
                    fixed (float* pr = ratio)
                        VectorKernels.SparseRowTimesFactor(pi, pr, indices.Length, pb, k, numerator);
                    for (int t = 0; t < k; t++)
                    {
                        float d = (float)bSums[t] + l1 + l2 * row[t];
                        row[t] *= numerator[t] / (d == 0f ? Epsilon : d);
                    }
                }
            }
            partial[block] = divergence;
        });
        double total = 0;
        foreach (double v in partial)
            total += v;
        for (int t = 0; t < k; t++)
            total += aSums[t] * bSums[t]; // Σ over every entry of WH, zeros of X included
        return total;
    }

    /// <summary>
    /// Any other β: numerator Σ_j x_j (ab)_j^(β−2) b_j over stored entries, denominator
    /// Σ_j (ab)_j^(β−1) b_j over all columns, each row of AB formed on the fly.
    /// </summary>
    private static void UpdateGeneralBeta(FitState state, bool updateW, double beta)
    {
        var (data, a, b, penalty, blocks) = state.Side(updateW);
        int k = state.Rank, c = data.Columns;
        float l1 = (float)penalty.L1, l2 = (float)penalty.L2;
        double gamma = beta < 1 ? 1.0 / (2.0 - beta) : beta > 2 ? 1.0 / (beta - 1.0) : 1.0;
        BlockRunner.For(blocks.BlockCount, state.Degree, block =>
        {
            // One dense row of the model per thread, reused by every block the thread runs: memory stays
            // (threads x columns) floats however many blocks there are (a fresh row per block fed the
            // large-object heap hundreds of MB an iteration on wide sparse data).
            var full = t_fullRow is { } cached && cached.Length == c ? cached : (t_fullRow = new float[c]);
            var numerator = new double[k];
            var denominator = new double[k];
            var aRow = new float[k];
            fixed (float* pa = a, pb = b)
            {
                for (int i = blocks.Start(block); i < blocks.End(block); i++)
                {
                    float* row = pa + (long)i * k;
                    for (int t = 0; t < k; t++) aRow[t] = row[t];
                    Array.Clear(numerator);
                    Array.Clear(denominator);
                    // Denominator over every column j: (ab)_j^(β−1) b_j.
                    for (int j = 0; j < c; j++)
                    {
                        float y = VectorKernels.Dot(row, pb + (long)j * k, k);
                        full[j] = beta - 1 < 0 ? MathF.Max(y, Epsilon) : y;
                    }
                    for (int j = 0; j < c; j++)
                    {
                        double y = full[j], yb1 = Math.Pow(y, beta - 1);
                        float* bj = pb + (long)j * k;
                        for (int t = 0; t < k; t++)
                            denominator[t] += yb1 * bj[t];
                    }
                    data.GetRow(i, out var indices, out var values);
                    for (int p = 0; p < indices.Length; p++)
                    {
                        int j = indices[p];
                        double y = Math.Max(full[j], Epsilon), w = values[p] * Math.Pow(y, beta - 2);
                        float* bj = pb + (long)j * k;
                        for (int t = 0; t < k; t++)
                            numerator[t] += w * bj[t];
                    }
                    for (int t = 0; t < k; t++)
                    {
                        double d = denominator[t] + l1 + l2 * aRow[t];
                        double delta = numerator[t] / (d == 0 ? Epsilon : d);
                        if (gamma != 1) delta = Math.Pow(delta, gamma);
                        row[t] = (float)(aRow[t] * delta);
                    }
                }
            }
        });
    }
}
