using System.Runtime.Intrinsics;
using MLNet.Nmf.Engine.Losses;

namespace MLNet.Nmf.Tests.Engine.Solvers;

/// <summary>
/// The one-row Kullback-Leibler coordinate descent as it was before the model's reciprocals were kept in step with
/// it (main of commit e61ff5c, <c>KlCoordinateRow</c>): every Newton step divides by the model afresh and sums both
/// the gradient and the curvature, also for a coordinate that stays at 0. The engine's kernel must give the same
/// bits (<see cref="KlCoordinateRowTests"/>).
/// </summary>
internal sealed unsafe class KlCoordinateRowReference
{
    private const int W = 8;

    public KlCoordinateRowReference(float[] x, float[] columns, int padded)
    {
        X = x;
        Columns = columns;
        Padded = padded;
        Model = new float[padded];
    }

    public float[] X { get; }
    public float[] Columns { get; }
    public float[] Model { get; }
    public int Padded { get; }

    /// <summary>x, the factor rows of the stored columns (column by column, padded with zeros) and the model of a.</summary>
    public static KlCoordinateRowReference Gather(float[] a, int[] indices, float[] values, float[] b, int k)
    {
        int count = indices.Length, padded = Math.Max(8, (count + 7) & ~7);
        var x = new float[padded];
        var columns = new float[padded * k];
        for (int p = 0; p < count; p++)
        {
            x[p] = values[p];
            for (int t = 0; t < k; t++)
                columns[t * padded + p] = b[indices[p] * k + t];
        }
        var row = new KlCoordinateRowReference(x, columns, padded);
        var floor = Vector256.Create(KlTerms.Epsilon);
        for (int p = 0; p < padded; p += W)
        {
            var m = Vector256<float>.Zero;
            for (int t = 0; t < k; t++)
                m = Vector256.FusedMultiplyAdd(Vector256.Create(a[t]), Vector256.Create(columns, t * padded + p), m);
            Vector256.Max(m, floor).CopyTo(row.Model, p);
        }
        for (int p = count; p < padded; p++)
            row.Model[p] = 1f;
        return row;
    }

    public double Sweep(float[] a, int k, double[] columnSums, double l1, double l2, double newtonTolerance, ref double change)
    {
        fixed (float* x = X, model = Model, columns = Columns)
        {
            var floor = Vector256.Create(KlTerms.Epsilon);
            double violation = 0;
            for (int t = 0; t < k; t++)
            {
                float* bt = columns + t * Padded;
                double value = a[t], start = value;
                for (int step = 0; step < 8; step++)
                {
                    var g = Vector256<float>.Zero;
                    var h = Vector256<float>.Zero;
                    for (int p = 0; p < Padded; p += W)
                    {
                        var b = Vector256.Load(bt + p);
                        var r = Vector256<float>.One / Vector256.Load(model + p);
                        var qb = Vector256.Load(x + p) * r * b;
                        g += qb;
                        h = Vector256.FusedMultiplyAdd(qb * r, b, h);
                    }
                    double gradient = columnSums[t] + l1 + l2 * value - Vector256.Sum(g);
                    double hessian = l2 + Vector256.Sum(h);
                    if (step == 0)
                        violation += Math.Abs(value == 0 ? Math.Min(gradient, 0) : gradient);
                    double next = hessian > 0 ? Math.Max(0, value - gradient / hessian) : gradient > 0 ? 0 : value;
                    if (next < value)
                        next = Backtrack(x, model, bt, columnSums[t] + l1, l2, value, next);
                    float delta = (float)next - (float)value;
                    if (delta == 0f)
                        break;
                    var d = Vector256.Create(delta);
                    for (int p = 0; p < Padded; p += W)
                        Vector256.Max(Vector256.FusedMultiplyAdd(d, Vector256.Load(bt + p), Vector256.Load(model + p)), floor).Store(model + p);
                    value = (float)next;
                    if (Math.Abs(delta) <= newtonTolerance * value)
                        break;
                }
                a[t] = (float)value;
                change += Math.Abs(value - start);
            }
            return violation;
        }
    }

    private double Backtrack(float* x, float* model, float* bt, double linear, double l2, double value, double next)
    {
        for (int halving = 0; halving < 30; halving++)
        {
            double delta = next - value;
            double change = linear * delta + 0.5 * l2 * (2 * value * delta + delta * delta) - LogGain(x, model, bt, (float)delta);
            if (change <= 0)
                return next;
            next = 0.5 * (value + next);
        }
        return value;
    }

    private double LogGain(float* x, float* model, float* bt, float delta)
    {
        var d = Vector256.Create(delta);
        var tiny = Vector256.Create(1e-30f);
        var sum = Vector256<float>.Zero;
        for (int p = 0; p < Padded; p += W)
        {
            var ratio = Vector256.Max(Vector256<float>.One + d * Vector256.Load(bt + p) / Vector256.Load(model + p), tiny);
            sum = Vector256.FusedMultiplyAdd(Vector256.Load(x + p), Vector256.Log(ratio), sum);
        }
        return Vector256.Sum(sum);
    }
}
