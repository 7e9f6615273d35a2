using MLNet.Nmf.Engine.Matrices;

namespace MLNet.Nmf.Tests.Engine.Support;

/// <summary>Checks shared by the engine tests.</summary>
internal static class FactorAssertions
{
    /// <summary>Every value is finite and ≥ 0, and at least one is positive (an all-zero factor is a failed fit).</summary>
    public static void ShouldBeNonNegativeAndFinite(DenseMatrix factor, string because)
    {
        int bad = -1;
        for (int i = 0; i < factor.Values.Length && bad < 0; i++)
            if (!(factor.Values[i] >= 0f) || !float.IsFinite(factor.Values[i]))
                bad = i;
        bad.Should().Be(-1, $"every entry of {because} must be finite and non-negative (the first bad one is at this index)");
        factor.Values.ToArray().Should().Contain(v => v > 0f, $"{because} must not be all zeros");
    }

    /// <summary>‖A − B‖_F / ‖B‖_F, in double.</summary>
    public static double RelativeDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        a.Length.Should().Be(b.Length);
        double diff = 0, norm = 0;
        for (int i = 0; i < a.Length; i++)
        {
            diff += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
            norm += (double)b[i] * b[i];
        }
        return Math.Sqrt(diff / Math.Max(norm, 1e-300));
    }

    public static double RelativeDifference(DenseMatrix a, DenseMatrix b)
    {
        a.Rows.Should().Be(b.Rows);
        a.Columns.Should().Be(b.Columns);
        return RelativeDifference(a.Values, b.Values);
    }

    public static double RelativeDifference(DenseMatrix a, double[,] b)
    {
        double diff = 0, norm = 0;
        for (int i = 0; i < a.Rows; i++)
            for (int j = 0; j < a.Columns; j++)
            {
                diff += (a[i, j] - b[i, j]) * (a[i, j] - b[i, j]);
                norm += b[i, j] * b[i, j];
            }
        return Math.Sqrt(diff / Math.Max(norm, 1e-300));
    }

    /// <summary>history[i] ≤ history[i − 1] · (1 + <paramref name="relativeSlack"/>) for every i, and the last value is below the first.</summary>
    public static void ShouldNeverIncrease(IReadOnlyList<double> history, double relativeSlack, string because)
    {
        // A divergence is ≥ 0; float rounding may take one that is ~0 a hair below.
        history.Should().OnlyContain(v => double.IsFinite(v) && v >= -relativeSlack * history[0], because);
        for (int i = 1; i < history.Count; i++)
            history[i].Should().BeLessThanOrEqualTo(history[i - 1] * (1 + relativeSlack), $"{because}: the objective rose at iteration {i}");
        history[^1].Should().BeLessThan(history[0], $"{because}: the fit must make progress");
    }
}
