using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace MLNet.Nmf.Engine.Matrices;

/// <summary>Validation helpers shared by the matrix types and the initialisers.</summary>
internal static class MatrixChecks
{
    /// <summary>Index of the first negative, NaN or infinite value, or -1.</summary>
    public static int FirstInvalid(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            float v = values[i];
            // !(v >= 0) catches NaN as well as negatives.
            if (!(v >= 0f) || float.IsPositiveInfinity(v))
                return i;
        }
        return -1;
    }

    public static ArgumentException InvalidValue(string paramName, int row, int column, float value)
    {
        string what = float.IsNaN(value) ? "NaN" : float.IsInfinity(value) ? "an infinite value" : "a negative value";
        return new ArgumentException(string.Create(CultureInfo.InvariantCulture,
            $"The matrix has {what} ({value}) at row {row}, column {column}; NMF needs finite, non-negative input. Clean or shift the data before factorizing."),
            paramName);
    }

    [DoesNotReturn]
    public static void ThrowInvalidValue(string paramName, int row, int column, float value) =>
        throw InvalidValue(paramName, row, column, value);
}
