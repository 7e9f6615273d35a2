using MLNet.Nmf.Engine.Losses;

namespace MLNet.Nmf.Engine.Solvers;

/// <summary>
/// One sweep of cyclic coordinate descent on a single row a of A for
/// Σ_j [(aB)_j − x_j log (aB)_j] + L1‖a‖₁ + ½ L2‖a‖², with projected Newton steps on each coordinate
/// (Hsieh &amp; Dhillon, "Fast coordinate descent methods with variable selection for non-negative
/// matrix factorization", KDD 2011). Only the row's stored entries enter the sums: the zeros of x
/// contribute the constant Σ_j b_jt, passed in as <c>columnSums</c>.
/// </summary>
internal static unsafe class KlCoordinateRow
{
    /// <summary>Newton steps per coordinate at most; the 1-D problem is convex and converges in a few.</summary>
    public const int MaxNewtonSteps = 8;

    /// <summary>Floors the model values at ε so that x / model stays finite.</summary>
    public static void FloorModel(float* model, int count)
    {
        for (int p = 0; p < count; p++)
            model[p] = MathF.Max(model[p], KlTerms.Epsilon);
    }

    /// <summary>
    /// Updates <paramref name="row"/> in place. <paramref name="model"/> must hold (aB)_j at each stored
    /// entry on entry and holds it for the new a on exit. Returns the summed projected-gradient violation
    /// and adds |Δa| to <paramref name="change"/>.
    /// </summary>
    public static double Sweep(float* row, int* indices, float* values, int count, float* b, int k,
        double* columnSums, double l1, double l2, float* model, int[] order, ref double change)
    {
        double violation = 0;
        for (int s = 0; s < order.Length; s++)
        {
            int t = order[s];
            double a = row[t];
            double start = a;
            for (int step = 0; step < MaxNewtonSteps; step++)
            {
                double gradient = columnSums[t] + l1 + l2 * a, hessian = l2;
                for (int p = 0; p < count; p++)
                {
                    float bj = b[(long)indices[p] * k + t];
                    if (bj == 0f)
                        continue;
                    double q = values[p] / (double)model[p];
                    gradient -= q * bj;
                    hessian += q * bj * bj / model[p];
                }
                if (step == 0)
                    violation += Math.Abs(a == 0 ? Math.Min(gradient, 0) : gradient);
                double next = hessian > 0 ? Math.Max(0, a - gradient / hessian) : gradient > 0 ? 0 : a;
                float delta = (float)next - (float)a;
                if (delta == 0f)
                    break;
                for (int p = 0; p < count; p++)
                {
                    float bj = b[(long)indices[p] * k + t];
                    if (bj != 0f)
                        model[p] = MathF.Max(model[p] + delta * bj, KlTerms.Epsilon);
                }
                a = (float)next;
                if (Math.Abs(delta) <= 1e-6 * a)
                    break;
            }
            row[t] = (float)a;
            change += Math.Abs(a - start);
        }
        return violation;
    }
}
