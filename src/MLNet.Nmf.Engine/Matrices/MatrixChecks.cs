using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.Intrinsics;

namespace MLNet.Nmf.Engine.Matrices;

/// <summary>Validation helpers shared by the matrix types and the initialisers.</summary>
internal static class MatrixChecks
{
    /// <summary>Index of the first negative, NaN or infinite value, or -1.</summary>
    public static int FirstInvalid(ReadOnlySpan<float> values) => FirstInvalid(values, allowMissing: false);

    /// <summary>Index of the first negative or infinite value (or NaN unless <paramref name="allowMissing"/>), or -1.</summary>
    public static int FirstInvalid(ReadOnlySpan<float> values, bool allowMissing)
    {
        for (int i = 0; i < values.Length; i++)
            if (IsInvalid(values[i], allowMissing))
                return i;
        return -1;
    }

    /// <summary>
    /// Index of the first value that is not finite and non-negative (NaN, negative, ±∞), or -1: eight at a time, for the
    /// checks made once per iteration on factors received from a caller (span.IndexOfAnyExceptInRange is not vectorized
    /// for float, and a quarter as fast).
    /// </summary>
    public static int FirstNotFiniteNonNegative(ReadOnlySpan<float> values)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var infinity = Vector256.Create(float.PositiveInfinity);
            for (; i + Vector256<float>.Count <= values.Length; i += Vector256<float>.Count)
            {
                var v = Vector256.Create(values.Slice(i));
                var good = Vector256.GreaterThanOrEqual(v, Vector256<float>.Zero) & Vector256.LessThan(v, infinity);
                if (!Vector256.EqualsAll(good.AsInt32(), Vector256<int>.AllBitsSet))
                    break; // the scalar loop below finds it within these eight
            }
        }
        for (; i < values.Length; i++)
            if (!(values[i] >= 0f && values[i] < float.PositiveInfinity))
                return i;
        return -1;
    }

    /// <summary>True for negatives and +∞, and for NaN unless it marks a missing entry.</summary>
    public static bool IsInvalid(float v, bool allowMissing) =>
        // !(v >= 0) catches NaN as well as negatives.
        !(v >= 0f) ? !(allowMissing && float.IsNaN(v)) : float.IsPositiveInfinity(v);

    public static ArgumentException InvalidValue(string paramName, long row, int column, float value)
    {
        string what = float.IsNaN(value) ? "NaN" : float.IsInfinity(value) ? "an infinite value" : "a negative value";
        string hint = float.IsNaN(value)
            ? " If NaN marks a missing entry, build the matrix with NmfMissingValues.Ignore and fit with MissingValues = Ignore."
            : "";
        return new ArgumentException(string.Create(CultureInfo.InvariantCulture,
            $"The matrix has {what} ({value}) at row {row}, column {column}; NMF needs finite, non-negative input. Clean or shift the data before factorizing.{hint}"),
            paramName);
    }

    [DoesNotReturn]
    public static void ThrowInvalidValue(string paramName, int row, int column, float value) =>
        throw InvalidValue(paramName, row, column, value);
}
