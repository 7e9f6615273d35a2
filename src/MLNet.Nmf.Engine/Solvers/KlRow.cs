using System.Runtime.CompilerServices;

namespace MLNet.Nmf.Engine.Solvers;

/// <summary>
/// Per-thread, pinned buffers holding one gathered row for <see cref="KlCoordinateRow"/>: x, the model
/// values, their reciprocals 1/model and the ratios x · (1/model) (kept in step with the model, so a Newton
/// step that leaves the model as it is divides nothing), and the factor values column by column, each padded
/// to a multiple of 8. They grow only when a
/// longer row arrives, so after warm-up a row costs no allocation.
/// </summary>
internal sealed unsafe class KlRow
{
    private float[] _x = GC.AllocateArray<float>(64, pinned: true);
    private float[] _model = GC.AllocateArray<float>(64, pinned: true);
    private float[] _reciprocal = GC.AllocateArray<float>(64, pinned: true);
    private float[] _ratio = GC.AllocateArray<float>(64, pinned: true);
    private float[] _columns = GC.AllocateArray<float>(256, pinned: true);

    /// <summary>Stored entries of the current row, rounded up to a multiple of 8.</summary>
    public int Padded { get; private set; }

    public float* X => (float*)Unsafe.AsPointer(ref _x[0]);
    public float* Model => (float*)Unsafe.AsPointer(ref _model[0]);

    /// <summary>1 / model, entry by entry.</summary>
    public float* Reciprocal => (float*)Unsafe.AsPointer(ref _reciprocal[0]);

    /// <summary>x · (1 / model), entry by entry (0 in the padding).</summary>
    public float* Ratio => (float*)Unsafe.AsPointer(ref _ratio[0]);
    public float* Columns => (float*)Unsafe.AsPointer(ref _columns[0]);

    /// <summary>Sizes the buffers for a row of <paramref name="count"/> stored entries and rank k.</summary>
    public void Prepare(int count, int k)
    {
        Padded = Math.Max(8, (count + 7) & ~7);
        Grow(ref _x, Padded);
        Grow(ref _model, Padded);
        Grow(ref _reciprocal, Padded);
        Grow(ref _ratio, Padded);
        Grow(ref _columns, checked(Padded * k));
    }

    private static void Grow(ref float[] buffer, int count)
    {
        if (buffer.Length < count)
            buffer = GC.AllocateArray<float>(Math.Max(count, buffer.Length * 2), pinned: true);
    }
}
