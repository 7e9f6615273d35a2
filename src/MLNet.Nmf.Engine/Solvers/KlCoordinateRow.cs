using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using MLNet.Nmf.Engine.Losses;

namespace MLNet.Nmf.Engine.Solvers;

/// <summary>
/// Cyclic coordinate descent on a single row a of A for
/// Σ_j [(aB)_j − x_j log (aB)_j] + L1‖a‖₁ + ½ L2‖a‖², with projected Newton steps on each coordinate
/// (Hsieh &amp; Dhillon, "Fast coordinate descent methods with variable selection for non-negative
/// matrix factorization", KDD 2011). Only the row's stored entries enter the sums: the zeros of x
/// contribute the constant Σ_j b_jt, passed in as <c>columnSums</c>.
/// </summary>
/// <remarks>
/// The caller gathers the row into a <see cref="KlRow"/>: x, the model value (aB)_j and the k factor
/// values b_jt of each stored entry, stored column by column and padded to a multiple of 8 entries
/// (x = 0, b = 0, model = 1 in the padding), so every loop here is whole Vector256s.
/// </remarks>
internal static unsafe class KlCoordinateRow
{
    private const int W = 8;

    /// <summary>Newton steps per coordinate at most; the 1-D problem is convex and converges in a few.</summary>
    public const int MaxNewtonSteps = 8;

    /// <summary>
    /// Copies x and the factor rows of the stored columns into <paramref name="row"/>'s padded buffers
    /// and computes the model values from the current a.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Gather(KlRow row, float* a, int* indices, float* values, int count, float* b, int k)
    {
        row.Prepare(count, k);
        int padded = row.Padded;
        float* x = row.X, model = row.Model, columns = row.Columns;
        for (int p = 0; p < count; p++)
        {
            x[p] = values[p];
            float* src = b + (long)indices[p] * k;
            for (int t = 0; t < k; t++)
                columns[t * padded + p] = src[t];
        }
        for (int p = count; p < padded; p++)
        {
            x[p] = 0f;
            for (int t = 0; t < k; t++)
                columns[t * padded + p] = 0f;
        }
        // model = Σ_t a_t · column_t, eight entries at a time; padding lanes get 1 (x = 0 there).
        var floor = Vector256.Create(KlTerms.Epsilon);
        for (int p = 0; p < padded; p += W)
        {
            var m = Vector256<float>.Zero;
            for (int t = 0; t < k; t++)
                m = Vector256.FusedMultiplyAdd(Vector256.Create(a[t]), Vector256.Load(columns + t * padded + p), m);
            Vector256.Max(m, floor).Store(model + p);
        }
        for (int p = count; p < padded; p++)
            model[p] = 1f;
        float* reciprocal = row.Reciprocal, ratio = row.Ratio;
        for (int p = 0; p < padded; p += W)
            StoreReciprocal(Vector256.Load(model + p), Vector256.Load(x + p), reciprocal + p, ratio + p);
    }

    /// <summary>1 / model and x · (1 / model) for eight entries: what every Newton step reads until the model moves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreReciprocal(Vector256<float> model, Vector256<float> x, float* reciprocal, float* ratio)
    {
        var r = Vector256<float>.One / model;
        r.Store(reciprocal);
        (x * r).Store(ratio);
    }

    /// <summary>
    /// Σ x log(x / model) − x over the gathered entries with x &gt; ε: the stored part of the KL
    /// divergence (see <see cref="KlTerms.StoredPart"/>), vectorized.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double StoredDivergence(KlRow row)
    {
        float* x = row.X, model = row.Model;
        var epsilon = Vector256.Create(KlTerms.Epsilon);
        var sum = Vector256<float>.Zero;
        for (int p = 0; p < row.Padded; p += W)
        {
            var xv = Vector256.Load(x + p);
            var live = Vector256.GreaterThan(xv, epsilon);
            var safeX = Vector256.ConditionalSelect(live, xv, Vector256<float>.One);
            var term = xv * (Vector256.Log(safeX) - Vector256.Log(Vector256.Load(model + p))) - xv;
            sum += term & live;
        }
        return Vector256.Sum(sum);
    }

    /// <summary>
    /// A Newton step to the left can overshoot the minimizer (the step lands left of it, and far left
    /// when a model value is almost entirely this coordinate's); halve it until the coordinate's
    /// objective does not increase, so every step is a descent step.
    /// </summary>
    private static double Backtrack(KlRow row, float* bt, double linear, double l2, double value, double next)
    {
        for (int halving = 0; halving < 30; halving++)
        {
            double delta = next - value;
            // Δf = (Σ_j b_j + L1)·δ + ½L2((a+δ)² − a²) − Σ_p x_p log(1 + δ b_p / model_p)
            double change = linear * delta + 0.5 * l2 * (2 * value * delta + delta * delta) - LogGain(row, bt, (float)delta);
            if (change <= 0)
                return next;
            next = 0.5 * (value + next);
        }
        return value;
    }

    /// <summary>Σ_p x_p log(1 + δ b_p / model_p) over the gathered entries.</summary>
    private static double LogGain(KlRow row, float* bt, float delta)
    {
        float* x = row.X, model = row.Model;
        var d = Vector256.Create(delta);
        var tiny = Vector256.Create(1e-30f);
        var sum = Vector256<float>.Zero;
        for (int p = 0; p < row.Padded; p += W)
        {
            var ratio = Vector256.Max(Vector256<float>.One + d * Vector256.Load(bt + p) / Vector256.Load(model + p), tiny);
            sum = Vector256.FusedMultiplyAdd(Vector256.Load(x + p), Vector256.Log(ratio), sum);
        }
        return Vector256.Sum(sum);
    }

    /// <summary>
    /// One sweep over the coordinates of a (in <paramref name="order"/>); the model values, their reciprocals and
    /// the ratios x/model are kept in step with a. Returns the summed projected-gradient violation at the start of
    /// each coordinate and adds Σ|Δa| to <paramref name="change"/>.
    /// </summary>
    /// <remarks>
    /// A coordinate at 0 whose gradient is not negative stays at 0 (the projected Newton step is 0): for it only
    /// the gradient is summed, and nothing is divided, as the model did not move.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Sweep(KlRow row, float* a, int k, double* columnSums, double l1, double l2, int[] order,
        double newtonTolerance, ref double change)
    {
        int padded = row.Padded;
        float* x = row.X, model = row.Model, reciprocal = row.Reciprocal, ratio = row.Ratio;
        var floor = Vector256.Create(KlTerms.Epsilon);
        double violation = 0;
        for (int s = 0; s < order.Length; s++)
        {
            int t = order[s];
            float* bt = row.Columns + t * padded;
            double value = a[t], start = value;
            for (int step = 0; step < MaxNewtonSteps; step++)
            {
                if (value == 0 && StaysAtZero(ratio, bt, padded, columnSums[t] + l1 + l2 * value))
                    break;
                var g = Vector256<float>.Zero;
                var h = Vector256<float>.Zero;
                for (int p = 0; p < padded; p += W)
                {
                    var b = Vector256.Load(bt + p);
                    var qb = Vector256.Load(ratio + p) * b;
                    g += qb;
                    h = Vector256.FusedMultiplyAdd(qb * Vector256.Load(reciprocal + p), b, h);
                }
                double gradient = columnSums[t] + l1 + l2 * value - Vector256.Sum(g);
                double hessian = l2 + Vector256.Sum(h);
                if (step == 0)
                    violation += Math.Abs(value == 0 ? Math.Min(gradient, 0) : gradient);
                double next = hessian > 0 ? Math.Max(0, value - gradient / hessian) : gradient > 0 ? 0 : value;
                if (next < value)
                    next = Backtrack(row, bt, columnSums[t] + l1, l2, value, next);
                float delta = (float)next - (float)value;
                if (delta == 0f)
                    break;
                var d = Vector256.Create(delta);
                for (int p = 0; p < padded; p += W)
                {
                    var m = Vector256.Max(Vector256.FusedMultiplyAdd(d, Vector256.Load(bt + p), Vector256.Load(model + p)), floor);
                    m.Store(model + p);
                    StoreReciprocal(m, Vector256.Load(x + p), reciprocal + p, ratio + p);
                }
                value = (float)next;
                if (Math.Abs(delta) <= newtonTolerance * value)
                    break;
            }
            a[t] = (float)value;
            change += Math.Abs(value - start);
        }
        return violation;
    }

    /// <summary>
    /// Whether a coordinate at 0 has a gradient <paramref name="constant"/> − Σ_p (x_p / model_p) b_p ≥ 0, summed as the
    /// full Newton step sums it: then its step is 0 and its violation 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool StaysAtZero(float* ratio, float* bt, int padded, double constant)
    {
        var g = Vector256<float>.Zero;
        for (int p = 0; p < padded; p += W)
            g += Vector256.Load(ratio + p) * Vector256.Load(bt + p);
        return constant - Vector256.Sum(g) >= 0;
    }
}
