using System.Runtime.CompilerServices;
using MLNet.Nmf.Engine.Kernels;
using MLNet.Nmf.Engine.Solvers;

namespace MLNet.Nmf.Engine.Projection;

/// <summary>
/// Scratch memory for projecting rows with one <see cref="NmfProjector"/>. Not thread-safe: give each
/// thread (each ML.NET cursor) its own. After the first row of a given length, projecting allocates nothing.
/// </summary>
public sealed unsafe partial class ProjectionWorkspace
{
    private readonly float[] _previous;
    private readonly float[] _product;

    internal ProjectionWorkspace(int k)
    {
        Rank = k;
        Kl = new KlRow();
        _previous = GC.AllocateArray<float>(k + FactorLayout.Padding, pinned: true);
        _product = GC.AllocateArray<float>(k + FactorLayout.Padding, pinned: true);
        Features = GC.AllocateArray<float>(k + FactorLayout.Padding, pinned: true);
    }

    private float[] _scaled = [];
    private float[] _denseRow = [];

    /// <summary>A zeroed row of <paramref name="n"/> floats (general-β projection), reused from row to row.</summary>
    internal float[] DenseRow(int n)
    {
        if (_denseRow.Length != n)
            _denseRow = new float[n];
        else
            Array.Clear(_denseRow);
        return _denseRow;
    }

    internal int Rank { get; }

    /// <summary>2^shift · values, exact (a power of two), in this workspace's buffer.</summary>
    internal ReadOnlySpan<float> Scaled(ReadOnlySpan<float> values, int shift)
    {
        if (_scaled.Length < values.Length)
            _scaled = new float[values.Length];
        for (int p = 0; p < values.Length; p++)
            _scaled[p] = (float)Math.ScaleB(values[p], shift);
        return _scaled.AsSpan(0, values.Length);
    }
    internal KlRow Kl { get; }

    private ActiveSetRow? _activeSet;

    /// <summary>The exact finish's scratch, made on the first row that needs it.</summary>
    internal ActiveSetRow ActiveSet => _activeSet ??= new ActiveSetRow(Rank);
    internal float[] Features { get; }
    internal float* FeaturesPointer => (float*)Unsafe.AsPointer(ref Features[0]);
    internal float* Previous => (float*)Unsafe.AsPointer(ref _previous[0]);
    internal float* Product => (float*)Unsafe.AsPointer(ref _product[0]);
}
