namespace MLNet.Nmf.Engine.Kernels;

/// <summary>
/// The per-row arithmetic of a fit with missing entries (<see cref="NmfMissingValues.Ignore"/>). A row's
/// coordinate problem sees only its observed columns j, so its Gram matrix is Σ_{j observed} b_j b_jᵀ instead
/// of the shared BᵀB. It is built from whichever side is shorter: BᵀB minus the missing columns' outer products
/// when at most half are missing (unless that difference would be mostly rounding), else the sum over the observed
/// ones (so a row with nothing observed gets an exact zero matrix). Scalar only: each row has its own Gram matrix, so the eight-rows-per-vector layout of
/// <see cref="VectorKernels.CoordinateSweep8"/> does not apply, and building the Gram matrix (k² per missing
/// entry) costs as much as the sweep.
/// </summary>
internal static unsafe class MaskedKernels
{
    /// <summary>Below this share of BᵀB's diagonal left after subtracting, a row's Gram matrix is summed over its observed columns.</summary>
    private const double CancellationLimit = 1e-3;

    /// <summary>
    /// gram (k x k, double) = Σ_{j ∉ missing} b_j b_jᵀ, where b is a padded <paramref name="otherCount"/> x k
    /// factor and <paramref name="full"/> = BᵀB.
    /// </summary>
    public static void RowGram(double[] full, float* b, int k, ReadOnlySpan<int> missing, int otherCount, double* gram)
    {
        bool subtracted = false;
        if ((long)missing.Length * 2 <= otherCount)
        {
            for (int i = 0; i < k * k; i++)
                gram[i] = full[i];
            foreach (int j in missing)
                AddOuter(gram, b + (long)j * k, k, -1.0);
            // BᵀB carries rounding of about 1e-6 of its diagonal (float partial sums). When the missing columns held
            // nearly all of a component's mass, the difference is that rounding, not the observed Gram: sum instead.
            subtracted = true;
            for (int s = 0; s < k; s++)
                if (gram[s * k + s] < CancellationLimit * full[s * k + s])
                    subtracted = false;
        }
        if (!subtracted)
        {
            for (int i = 0; i < k * k; i++)
                gram[i] = 0;
            int next = 0;
            for (int j = 0; j < otherCount; j++)
            {
                if (next < missing.Length && missing[next] == j)
                {
                    next++;
                    continue;
                }
                AddOuter(gram, b + (long)j * k, k, 1.0);
            }
        }
        for (int s = 0; s < k; s++)
            for (int t = 0; t < s; t++)
                gram[s * k + t] = gram[t * k + s];
    }

    private static void AddOuter(double* gram, float* row, int k, double sign)
    {
        for (int s = 0; s < k; s++)
        {
            double v = sign * row[s];
            if (v == 0)
                continue;
            double* g = gram + s * k;
            for (int t = s; t < k; t++)
                g[t] += v * row[t];
        }
    }

    /// <summary>output = (float)(gram + diagonal·I), exactly as <see cref="FactorOps.ToFloat"/>.</summary>
    public static void ToFloat(double* gram, int k, double diagonal, float* output)
    {
        for (int s = 0; s < k; s++)
            for (int t = 0; t < k; t++)
                output[s * k + t] = (float)(gram[s * k + t] + (s == t ? diagonal : 0));
    }

    /// <summary>aᵀ G a for a double k x k G.</summary>
    public static double Quadratic(float* a, double* gram, int k)
    {
        double sum = 0;
        for (int s = 0; s < k; s++)
        {
            double row = 0;
            for (int t = 0; t < k; t++)
                row += gram[s * k + t] * a[t];
            sum += a[s] * row;
        }
        return sum;
    }

    /// <summary>
    /// Up to <paramref name="sweeps"/> HALS sweeps over one row with its own Gram matrix, stopping as
    /// <see cref="VectorKernels.CoordinateSweep8"/> does once a sweep moves the row by at most 10 % (in norm) of
    /// the first. Returns the first sweep's Σ|projected gradient|.
    /// </summary>
    public static double Sweeps(float* a, float* p, float* gram, float l1, int k, int* order, int sweeps)
    {
        double first = Sweep(a, p, gram, l1, k, order, out double firstChange);
        for (int sweep = 1; sweep < sweeps; sweep++)
        {
            Sweep(a, p, gram, l1, k, order, out double change);
            if (change <= VectorKernels.InnerStopSquared * firstChange)
                break;
        }
        return first;
    }

    /// <summary>
    /// One sweep: for t in order, g = Σ_u G[t, u] a_u + l1 − p_t; a_t ← max(0, a_t − g / G[t, t]), summed as
    /// <see cref="ScalarKernels.CoordinateSweep"/> sums. A coordinate with G[t, t] ≤ 0 has nothing observed to
    /// fit (or a dead partner component) and is set to 0, so no division by zero can occur.
    /// <paramref name="change"/> receives Σ (new − old)².
    /// </summary>
    public static double Sweep(float* a, float* p, float* gram, float l1, int k, int* order, out double change)
    {
        double violation = 0, moved = 0;
        for (int s = 0; s < k; s++)
        {
            int t = order[s];
            float* g = gram + t * k;
            float g0 = 0f, g1 = 0f, g2 = 0f, g3 = 0f;
            int u = 0;
            for (; u + 4 <= k; u += 4)
            {
                g0 = MathF.FusedMultiplyAdd(g[u], a[u], g0);
                g1 = MathF.FusedMultiplyAdd(g[u + 1], a[u + 1], g1);
                g2 = MathF.FusedMultiplyAdd(g[u + 2], a[u + 2], g2);
                g3 = MathF.FusedMultiplyAdd(g[u + 3], a[u + 3], g3);
            }
            for (; u < k; u++)
                g0 = MathF.FusedMultiplyAdd(g[u], a[u], g0);
            float grad = ((g0 + g1) + (g2 + g3)) + (l1 - p[t]);
            float current = a[t];
            float hess = g[t];
            float next = hess > 0f ? MathF.Max(current - grad / hess, 0f) : 0f;
            if (hess > 0f)
                violation += MathF.Abs(current == 0f ? MathF.Min(grad, 0f) : grad);
            moved += (double)(next - current) * (next - current);
            a[t] = next;
        }
        change = moved;
        return violation;
    }
}
