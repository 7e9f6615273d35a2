using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Kernels;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Tests.Engine.Support;

namespace MLNet.Nmf.Tests.Engine.Initialization;

/// <summary>Properties every starting point must have.</summary>
public class InitializationTests
{
    public static IEnumerable<object[]> InitsByData() =>
        from init in new[] { NmfInitialization.Random, NmfInitialization.Nndsvd, NmfInitialization.Nndsvda, NmfInitialization.Nndsvdar }
        from data in new[] { "text", "digits", "random-dense", "random-sparse" }
        select new object[] { init, data };

    internal static INmfMatrix Data(string name) => name switch
    {
        "text" => TestData.TextTfidf(200),
        "digits" => TestData.Digits(300),
        "random-dense" => TestData.Random(80, 50, 0.3, seed: 4).Dense,
        _ => TestData.Random(80, 50, 0.3, seed: 4).Sparse,
    };

    [Theory]
    [MemberData(nameof(InitsByData))]
    public void EveryInitialization_IsNonNegativeAndFinite_AndLeavesThePaddingZero(NmfInitialization init, string data)
    {
        var x = Data(data);
        var start = InitialFactors.Create(x, init, rank: 8);

        FactorAssertions.ShouldBeNonNegativeAndFinite(start.W, $"{init} W0 of {data}");
        FactorAssertions.ShouldBeNonNegativeAndFinite(start.H, $"{init} H0 of {data}");
        start.PaddedW.AsSpan(x.Rows * 8).ToArray().Should().OnlyContain(v => v == 0f, "the padding after the last row is never written");
        start.PaddedHt.AsSpan(x.Columns * 8).ToArray().Should().OnlyContain(v => v == 0f, "the padding after the last row is never written");
    }

    [Theory]
    [InlineData(NmfInitialization.Random)]
    [InlineData(NmfInitialization.Nndsvd)]
    [InlineData(NmfInitialization.Nndsvda)]
    [InlineData(NmfInitialization.Nndsvdar)]
    public void EveryInitialization_OfDenseAndCsrInput_IsTheSame(NmfInitialization init)
    {
        // The randomized SVD multiplies by X through the dense or the CSR path; the rounding differs at
        // ~1e-7 relative and the power iterations do not amplify it much (measured below 1e-5).
        var (dense, sparse) = TestData.Random(80, 50, 0.3, seed: 4);
        var a = InitialFactors.Create(dense, init, rank: 5);
        var b = InitialFactors.Create(sparse, init, rank: 5);
        FactorAssertions.RelativeDifference(b.W, a.W).Should().BeLessThan(1e-4);
        FactorAssertions.RelativeDifference(b.H, a.H).Should().BeLessThan(1e-4);
    }

    [Fact]
    public void CustomInitialization_StartsExactlyFromTheGivenFactors()
    {
        var x = TestData.Digits(30);
        var w = TestData.Uniform(30, 4, seed: 1);
        var h = TestData.Uniform(4, 64, seed: 2);
        var start = InitialFactors.Create(x, NmfInitialization.Custom, 4, options: new NmfFitOptions { InitialW = w, InitialH = h });
        start.W.Values.ToArray().Should().Equal(w.Values.ToArray());
        start.H.Values.ToArray().Should().Equal(h.Values.ToArray());
    }

    [Fact]
    public void RandomInitialization_HasTheScaleOfTheData()
    {
        // scikit-learn's scale: entries |N(0,1)|·sqrt(mean(X)/k). Each of the k terms of (W0H0)_ij has mean
        // E|N|·E|N|·mean(X)/k = (2/π)·mean(X)/k, so the mean of W0H0 is (2/π)·mean(X) ≈ 0.64·mean(X).
        var x = TestData.Digits(300);
        var start = InitialFactors.Create(x, NmfInitialization.Random, rank: 6);
        double mean = x.Values.ToArray().Average(v => (double)v);
        var product = Reference.Multiply(Reference.ToArray(start.W), Reference.ToArray(start.H));
        double modelMean = product.Cast<double>().Average();
        (modelMean / mean).Should().BeApproximately(2 / Math.PI, 0.1);
    }

    [Theory]
    [InlineData(NmfInitialization.Random)]
    [InlineData(NmfInitialization.Nndsvd)]
    [InlineData(NmfInitialization.Nndsvdar)]
    public void SameSeed_GivesTheSameStart_WithAnyThreadCount(NmfInitialization init)
    {
        var x = TestData.Random(2500, 200, 0.02, seed: 4).Sparse;
        var one = InitialFactors.Create(x, init, 5, seed: 9, degree: 1);
        var four = InitialFactors.Create(x, init, 5, seed: 9, degree: 4);
        four.PaddedW.Should().Equal(one.PaddedW);
        four.PaddedHt.Should().Equal(one.PaddedHt);
    }

    [Theory]
    [InlineData(NmfInitialization.Random)]
    [InlineData(NmfInitialization.Nndsvdar)]
    public void OtherSeed_GivesAnotherStart(NmfInitialization init)
    {
        var x = TestData.Digits(100);
        InitialFactors.Create(x, init, 4, seed: 10).PaddedW.Should().NotEqual(InitialFactors.Create(x, init, 4, seed: 9).PaddedW);
    }
}
