using System.Diagnostics.CodeAnalysis;
using System.Globalization;

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
