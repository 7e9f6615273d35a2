using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MLNet.Nmf.Engine.Solvers;

/// <summary>
/// <see cref="Vector256.Log(Vector256{float})"/> with the same bits, faster for arguments just below 1: the
/// floats 1 − j·2⁻²⁴ (j = 0 … <see cref="Span"/>) are the only ones in [1 − Span·2⁻²⁴, 1], and their logarithms
/// are tabulated once by <see cref="Vector256.Log(Vector256{float})"/> itself, so a vector whose lanes all lie
/// there is looked up instead of computed. The Kullback-Leibler line search (<see cref="KlCoordinateRow"/>)
/// takes the logarithm of 1 + δ·b/model, and a small step puts most of its arguments there.
/// </summary>
/// <remarks>
/// Arguments outside that range (and NaN) go to <see cref="Vector256.Log(Vector256{float})"/> (or
/// <see cref="Vector512.Log(Vector512{float})"/>, the same function sixteen lanes wide: the tests hold the
/// two equal). The index of 1 − j·2⁻²⁴ is (1 − y)·2²⁴, exact for every y in [1/2, 1].
/// </remarks>
internal static unsafe class NearOneLog
{
    /// <summary>Tabulated arguments: 1 − j·2⁻²⁴ for j = 0 … Span (16 KB of logarithms).</summary>
    public const int Span = 4096;

    private const float Scale = 16777216f; // 2^24

    /// <summary>The smallest tabulated argument, 1 − Span·2⁻²⁴ (exact in float).</summary>
    public const float Lowest = 1f - Span / Scale;

    private static readonly float[] s_table = BuildTable();
    private static readonly float* s_logs = (float*)Unsafe.AsPointer(ref s_table[0]); // pinned array

    private static float[] BuildTable()
    {
        var table = GC.AllocateArray<float>(Span + 8, pinned: true);
        Span<float> arguments = stackalloc float[8];
        for (int j = 0; j <= Span; j += 8)
        {
            for (int lane = 0; lane < 8; lane++)
                arguments[lane] = 1f - Math.Min(j + lane, Span) / Scale;
            Vector256.Log(Vector256.Create<float>(arguments)).CopyTo(table.AsSpan(j, 8));
        }
        return table;
    }

    /// <summary>The tabulated logarithm of 1 − j·2⁻²⁴ (for the tests).</summary>
    public static float Tabulated(int j) => s_logs[j];

    /// <summary>log of eight positive arguments, bit for bit <see cref="Vector256.Log(Vector256{float})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Log(Vector256<float> y)
    {
        if (Vector256.GreaterThanOrEqualAll(y, Vector256.Create(Lowest)))
            return Lookup(Vector256.ConvertToInt32((Vector256<float>.One - y) * Vector256.Create(Scale)));
        return Vector256.Log(y);
    }

    /// <summary>log of sixteen positive arguments, bit for bit <see cref="Vector512.Log(Vector512{float})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Log(Vector512<float> y)
    {
        if (Vector512.GreaterThanOrEqualAll(y, Vector512.Create(Lowest)))
        {
            var index = Vector512.ConvertToInt32((Vector512<float>.One - y) * Vector512.Create(Scale));
            return Vector512.Create(Lookup(index.GetLower()), Lookup(index.GetUpper()));
        }
        return Vector512.Log(y);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Lookup(Vector256<int> index)
    {
        if (Avx2.IsSupported)
            return Avx2.GatherVector256(s_logs, index, 4);
        float* logs = stackalloc float[8];
        for (int lane = 0; lane < 8; lane++)
            logs[lane] = s_logs[index.GetElement(lane)];
        return Vector256.Load(logs);
    }
}
