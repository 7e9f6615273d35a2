using MLNet.Nmf.Engine.Kernels;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.Parallelism;

namespace MLNet.Nmf.Engine.Losses;

/// <summary>
/// Beta-divergences d_β(X, WH) of a fitted model, accumulated in double, with WH evaluated only where
/// it is needed: at the stored entries of X plus a closed form for the rest (β = 1, 2); other β need
/// every entry of WH, which is formed one row at a time.
/// </summary>
internal static unsafe class Divergence
{
    [ThreadStatic]
    private static float[]? t_denseRow;

    /// <summary>‖X − WH‖²_F: Σ_stored (x − y)² + (Σ_all y² − Σ_stored y²), with Σ_all y² = ⟨WᵀW, HHᵀ⟩ in double.</summary>
    public static double SquaredError(DataOperand x, float[] w, float[] ht, int k, int degree)
    {
        var (stored, storedModel) = SumOverStored(x, w, ht, k, degree, kullbackLeibler: false);
        if (!x.HasImplicitZeros)
            return stored;
        double all = 0;
        double[] gw = GramDouble(w, x.Rows, k, degree), gh = GramDouble(ht, x.Columns, k, degree);
        for (int i = 0; i < gw.Length; i++)
            all += gw[i] * gh[i];
        return stored + Math.Max(all - storedModel, 0);
    }

    /// <summary>
    /// A fit's final divergence as reported (<see cref="NmfResult.Divergence"/>, and the objective and model figures made
    /// from it): never below 0. <see cref="Beta"/> of β ≠ 2 sums terms of both signs (KL: Σ x log(x/y) − x, then + Σ y), so
    /// an exact fit comes out at about −1e-9 of the data's sum by rounding; a divergence is 0 at best. Only the reported
    /// figure: the loss history that the stopping rules read keeps the sums as they are, so fits do not change.
    /// (<see cref="SquaredError"/> cannot be negative.) NaN stays NaN.
    /// </summary>
    public static double Reported(double divergence) => Math.Max(divergence, 0);

    /// <summary>The beta-divergence (½‖X − WH‖²_F for β = 2), following scikit-learn's <c>_beta_divergence</c>.</summary>
    public static double Beta(DataOperand x, float[] w, float[] ht, int k, double beta, int degree)
    {
        if (beta == 2)
            return 0.5 * SquaredError(x, w, ht, k, degree);
        if (beta == 1)
        {
            var (stored, _) = SumOverStored(x, w, ht, k, degree, kullbackLeibler: true);
            double[] ws = FactorOps.ColumnSums(w, x.Rows, k), hs = FactorOps.ColumnSums(ht, x.Columns, k);
            for (int t = 0; t < k; t++)
                stored += ws[t] * hs[t];
            return stored;
        }
        return EveryEntry(x, w, ht, k, beta, degree);
    }

    /// <summary>
    /// Over the stored entries, with y = (WH) at the entry: Σ (x − y)² and Σ y² (Frobenius; y in double
    /// when X has implicit zeros), or Σ x log(x / y) − x over x &gt; ε (KL; second sum unused).
    /// </summary>
    private static (double First, double Second) SumOverStored(DataOperand x, float[] w, float[] ht, int k, int degree, bool kullbackLeibler)
    {
        var blocks = x.Blocks;
        var partialF = new double[blocks.BlockCount];
        var partialG = new double[blocks.BlockCount];
        bool doubleModel = !kullbackLeibler && x.HasImplicitZeros;
        BlockRunner.For(blocks.BlockCount, degree, block =>
        {
            double sf = 0, sg = 0;
            var (row, rowDouble) = RowBuffers(k);
            var model = t_model ?? Array.Empty<float>();
            var modelDouble = t_modelDouble ?? Array.Empty<double>();
            fixed (float* pw = w, ph = ht, pr = row)
            fixed (double* prd = rowDouble)
            {
                for (int i = blocks.Start(block); i < blocks.End(block); i++)
                {
                    x.GetRow(i, out var indices, out var values);
                    if (doubleModel)
                    {
                        // y in double: SquaredError subtracts Σ_stored y² from the exact Σ_all y², and float y
                        // (~1e-7 relative) would leave noise far above a near-exact fit's error.
                        for (int t = 0; t < k; t++)
                            prd[t] = pw[(long)i * k + t];
                        if (modelDouble.Length < indices.Length)
                            modelDouble = new double[Math.Max(indices.Length, 2 * modelDouble.Length)];
                        fixed (int* pi = indices)
                        fixed (double* pm = modelDouble)
                            DoubleKernels.GatherRowDotsDouble(prd, pi, indices.Length, ph, k, pm);
                        for (int p = 0; p < indices.Length; p++)
                        {
                            double y = modelDouble[p];
                            double v = values[p];
                            sf += (v - y) * (v - y);
                            sg += y * y;
                        }
                        continue;
                    }
                    if (model.Length < indices.Length)
                        model = new float[Math.Max(indices.Length, 2 * model.Length)];
                    for (int t = 0; t < k; t++)
                        pr[t] = pw[(long)i * k + t];
                    fixed (int* pi = indices)
                    fixed (float* pm = model)
                        VectorKernels.GatherRowDots(pr, pi, indices.Length, ph, k, pm);
                    for (int p = 0; p < indices.Length; p++)
                    {
                        double v = values[p], y = model[p];
                        if (!kullbackLeibler)
                        {
                            sf += (v - y) * (v - y);
                            sg += y * y;
                        }
                        else if (v > KlTerms.Epsilon)
                        {
                            sf += v * Math.Log(v / Math.Max(y, KlTerms.Epsilon)) - v;
                        }
                    }
                }
            }
            partialF[block] = sf;
            partialG[block] = sg;
            (t_model, t_modelDouble) = (model, modelDouble); // kept for this thread's next block
        });
        double tf = 0, tg = 0;
        for (int b = 0; b < blocks.BlockCount; b++)
        {
            tf += partialF[b];
            tg += partialG[b];
        }
        return (tf, tg);
    }

    [ThreadStatic]
    private static float[]? t_row;

    [ThreadStatic]
    private static double[]? t_rowDouble;

    [ThreadStatic]
    private static float[]? t_model;

    [ThreadStatic]
    private static double[]? t_modelDouble;

    /// <summary>
    /// This thread's copy of a row of W, in float and in double, zeroed: the gathers read up to a multiple of 8 past k
    /// and need zeros there (arrays per block were a megabyte of garbage per evaluation).
    /// </summary>
    private static (float[] Row, double[] RowDouble) RowBuffers(int k)
    {
        int stride = (k + 7) & ~7;
        var row = t_row is { } r && r.Length == stride + FactorLayout.Padding ? r : (t_row = new float[stride + FactorLayout.Padding]);
        var rowDouble = t_rowDouble is { } d && d.Length == stride ? d : (t_rowDouble = new double[stride]);
        Array.Clear(row);
        Array.Clear(rowDouble);
        return (row, rowDouble);
    }

    /// <summary>Σ over every entry of d_β(x | y), rows of WH formed one at a time.</summary>
    private static double EveryEntry(DataOperand x, float[] w, float[] ht, int k, double beta, int degree)
    {
        var blocks = x.Blocks;
        var partial = new double[blocks.BlockCount];
        int n = x.Columns;
        BlockRunner.For(blocks.BlockCount, degree, block =>
        {
            var dense = t_denseRow is { } cached && cached.Length == n ? cached : (t_denseRow = new float[n]); // per thread, cleared per row
            double s = 0;
            fixed (float* pw = w, ph = ht)
            {
                for (int i = blocks.Start(block); i < blocks.End(block); i++)
                {
                    Array.Clear(dense);
                    x.GetRow(i, out var indices, out var values);
                    for (int p = 0; p < indices.Length; p++)
                        dense[indices[p]] = values[p];
                    for (int j = 0; j < n; j++)
                    {
                        double y = Math.Max(VectorKernels.Dot(pw + (long)i * k, ph + (long)j * k, k), KlTerms.Epsilon);
                        s += Pointwise(dense[j], y, beta);
                    }
                }
            }
            partial[block] = s;
        });
        double total = 0;
        foreach (double v in partial)
            total += v;
        return total;
    }

    /// <summary>d_β(x | y) for one entry.</summary>
    internal static double Pointwise(double x, double y, double beta)
    {
        if (beta == 0)
            return x / y - Math.Log(x / y) - 1;
        if (beta == 1)
            return x > 0 ? x * Math.Log(x / y) - x + y : y;
        return (Math.Pow(x, beta) + (beta - 1) * Math.Pow(y, beta) - beta * x * Math.Pow(y, beta - 1)) / (beta * (beta - 1));
    }

    /// <summary>
    /// AᵀA in double, blocks added in order. The blocks run in waves of two per thread, each wave's partial sums added
    /// before the next wave reuses their space: the same additions in the same order as keeping every block's k x k
    /// partial (which was 3 MB at k = 100 on the text matrix), in a fraction of the memory.
    /// </summary>
    private static double[] GramDouble(float[] a, int rows, int k, int degree)
    {
        var blocks = BlockPartition.Even(rows, 2048);
        int square = checked(k * k);
        int wave = Math.Min(blocks.BlockCount, 2 * Math.Max(1, degree));
        var partial = new double[checked(wave * square)];
        var gram = new double[square];
        for (int first = 0; first < blocks.BlockCount; first += wave)
        {
            int count = Math.Min(wave, blocks.BlockCount - first);
            Array.Clear(partial, 0, count * square);
            BlockRunner.For(count, degree, slot =>
            {
                int block = first + slot;
                fixed (float* pa = a)
                fixed (double* pg = partial)
                    DoubleKernels.AccumulateGramUpper(pa + (long)blocks.Start(block) * k, blocks.End(block) - blocks.Start(block), k, pg + (long)slot * square);
            });
            for (int slot = 0; slot < count; slot++)
                for (int i = 0; i < square; i++)
                    gram[i] += partial[slot * square + i];
        }
        for (int s = 0; s < k; s++)
            for (int t = 0; t < s; t++)
                gram[s * k + t] = gram[t * k + s];
        return gram;
    }
}
