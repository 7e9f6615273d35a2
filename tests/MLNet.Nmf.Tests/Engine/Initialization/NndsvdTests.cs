using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Tests.Engine.Support;

namespace MLNet.Nmf.Tests.Engine.Initialization;

/// <summary>NNDSVD and its variants (Boutsidis &amp; Gallopoulos 2008).</summary>
public class NndsvdTests
{
    [Theory]
    [InlineData("text")]
    [InlineData("digits")]
    [InlineData("random-dense")]
    [InlineData("random-sparse")]
    public void Nndsvd_ErrorIsAtMostThatOfTheMean(string data)
    {
        // ‖X − W0H0‖_F ≤ ‖X − mean(X)‖_F: NNDSVD must be a better start than the constant matrix.
        var x = InitializationTests.Data(data);
        var xa = Reference.ToArray(x);
        double mean = xa.Cast<double>().Average();
        double meanError = Math.Sqrt(xa.Cast<double>().Sum(v => (v - mean) * (v - mean)));
        foreach (int rank in new[] { 1, 4, 10 })
        {
            var start = InitialFactors.Create(x, NmfInitialization.Nndsvd, rank);
            Math.Sqrt(Reference.SquaredError(xa, Reference.ToArray(start.W), Reference.ToArray(start.H))).Should().BeLessThanOrEqualTo(meanError, $"rank {rank}");
        }
    }

    [Theory]
    [InlineData("text")]
    [InlineData("digits")]
    public void Nndsvd_FirstComponent_IsTheLeadingSingularTriplet(string data)
    {
        // For X ≥ 0 the leading singular vectors are non-negative (Perron-Frobenius), so NNDSVD's first
        // component is σ₁u₁v₁ᵀ itself. Reference: power iteration on XᵀX in double.
        var x = InitializationTests.Data(data);
        var xa = Reference.ToArray(x);
        int m = xa.GetLength(0), n = xa.GetLength(1);
        var v = Enumerable.Repeat(1.0, n).ToArray();
        for (int iteration = 0; iteration < 500; iteration++)
        {
            var u = new double[m];
            for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) u[i] += xa[i, j] * v[j];
            var next = new double[n];
            for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) next[j] += xa[i, j] * u[i];
            double norm = Reference.Norm(next);
            v = next.Select(e => e / norm).ToArray();
        }
        var xv = new double[m];
        for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) xv[i] += xa[i, j] * v[j]; // = σ₁u₁

        var start = InitialFactors.Create(x, NmfInitialization.Nndsvd, rank: 4);
        double diff = 0, norm2 = 0;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double expected = xv[i] * v[j], actual = (double)start.W[i, 0] * start.H[0, j];
                diff += (actual - expected) * (actual - expected);
                norm2 += expected * expected;
            }
        // The randomized SVD runs in float with 7 power iterations and 10 oversamples: 1e-3 is generous.
        Math.Sqrt(diff / norm2).Should().BeLessThan(1e-3);
    }

    [Fact]
    public void Nndsvd_OfANonNegativeRankOneMatrix_IsExact()
    {
        var random = new Random(2);
        var u = Enumerable.Range(0, 40).Select(_ => 0.1 + random.NextDouble()).ToArray();
        var v = Enumerable.Range(0, 30).Select(_ => 0.1 + random.NextDouble()).ToArray();
        var x = new DenseMatrix(40, 30, Enumerable.Range(0, 1200).Select(e => (float)(u[e / 30] * v[e % 30])).ToArray());
        var start = InitialFactors.Create(x, NmfInitialization.Nndsvd, rank: 1);
        Reference.RelativeError(x, start.W, start.H).Should().BeLessThan(1e-5, "float rounding only");
    }

    [Theory]
    [InlineData("text")]
    [InlineData("random-sparse")]
    public void NndsvdaAndNndsvdar_DifferFromNndsvd_OnlyWhereNndsvdHasZeros(string data)
    {
        var x = InitializationTests.Data(data);
        var plain = InitialFactors.Create(x, NmfInitialization.Nndsvd, 6);
        double mean = Reference.ToArray(x).Cast<double>().Average();
        foreach (var variant in new[] { NmfInitialization.Nndsvda, NmfInitialization.Nndsvdar })
        {
            var filled = InitialFactors.Create(x, variant, 6);
            var pairs = plain.W.Values.ToArray().Zip(filled.W.Values.ToArray()).Concat(plain.H.Values.ToArray().Zip(filled.H.Values.ToArray())).ToArray();
            pairs.Where(p => p.First != 0f).Should().OnlyContain(p => p.Second == p.First, $"{variant} keeps NNDSVD's non-zeros bit for bit");
            var fills = pairs.Where(p => p.First == 0f).Select(p => (double)p.Second).ToArray();
            fills.Should().NotBeEmpty("NNDSVD of this data has zeros");
            if (variant == NmfInitialization.Nndsvda)
                fills.Should().OnlyContain(f => Math.Abs(f - mean) <= 1e-6 * mean, "NNDSVDa fills with mean(X)");
            else
                fills.Should().OnlyContain(f => f >= 0 && f <= 0.07 * mean, "NNDSVDar fills with mean(X)·|N(0,1)|/100, and |N| < 7 at this sample size")
                    .And.Contain(f => f != fills[0], "the fills are random, not a constant");
        }
    }
}
