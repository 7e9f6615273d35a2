using System.Runtime.CompilerServices;

namespace MLNet.Nmf.Engine.Kernels;

/// <summary>
/// Per-thread buffers for the row-wise KL updates, pinned so kernels can take pointers, and grown only
/// when a longer row arrives: after warm-up a row costs no allocation.
/// </summary>
internal sealed unsafe class KlRowScratch
{
    private readonly int _k;
    private readonly float[] _paddedRow;
    private readonly float[] _numerator;
    private float[] _model = GC.AllocateArray<float>(64, pinned: true);
    private float[] _ratio = GC.AllocateArray<float>(64, pinned: true);

    public KlRowScratch(int k)
    {
        _k = k;
        Rank = k;
        _paddedRow = GC.AllocateArray<float>(((k + 7) & ~7) + FactorLayout.Padding, pinned: true);
        _numerator = GC.AllocateArray<float>(k + FactorLayout.Padding, pinned: true);
    }

    /// <summary>The rank the buffers are sized for.</summary>
    public int Rank { get; }

    /// <summary>A copy of the current row, zero beyond k, for <see cref="VectorKernels.GatherRowDots"/>.</summary>
    public float* PaddedRow => (float*)Unsafe.AsPointer(ref _paddedRow[0]);

    /// <summary>k floats for a row-times-factor result.</summary>
    public float* Numerator => (float*)Unsafe.AsPointer(ref _numerator[0]);

    public void LoadRow(float* row)
    {
        for (int t = 0; t < _k; t++)
            _paddedRow[t] = row[t];
    }

    /// <summary>The model's value at each stored entry of the row.</summary>
    public Span<float> Model(int count) => Grow(ref _model, count).AsSpan(0, count);

    /// <summary>x / model at each stored entry.</summary>
    public Span<float> Ratio(int count) => Grow(ref _ratio, count).AsSpan(0, count);

    private static float[] Grow(ref float[] buffer, int count)
    {
        if (buffer.Length < count)
            buffer = GC.AllocateArray<float>(Math.Max(count, buffer.Length * 2), pinned: true);
        return buffer;
    }
}
