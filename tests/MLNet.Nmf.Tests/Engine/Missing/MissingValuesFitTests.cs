using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Tests.Engine.Support;
using Xunit.Abstractions;

namespace MLNet.Nmf.Tests.Engine.Missing;

/// <summary>Fitting with NaN as missing entries (<see cref="NmfMissingValues.Ignore"/>): the objective sums over observed entries only.</summary>
public class MissingValuesFitTests(ITestOutputHelper output)
{
    private static readonly NmfFitOptions PlantedOptions = new()
    {
        Rank = 5, Seed = 3, MaxIterations = 1000, Tolerance = 1e-7, MissingValues = NmfMissingValues.Ignore,
    };

    internal static float[] Reconstruct(NmfResult result)
    {
        int m = result.W.Rows, n = result.H.Columns, k = result.H.Rows;
        var y = new float[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int t = 0; t < k; t++) s += (double)result.W[i, t] * result.H[t, j];
                y[i * n + j] = (float)s;
            }
        return y;
    }

    [Fact]
    public void Fit_IgnoringMissingEntries_PredictsThemFromThePlantedFactors()
    {
        var planted = Planted.Create(400, 60, rank: 5, sigma: 0.02, missingFraction: 0.3, seed: 11);
        var masked = NmfEngine.Fit(new DenseMatrix(400, 60, planted.WithNaN(), NmfMissingValues.Ignore), PlantedOptions);
        var zeros = NmfEngine.Fit(new DenseMatrix(400, 60, planted.WithZeros()), PlantedOptions with { MissingValues = NmfMissingValues.Error });

        double rmse = planted.MissingRmse(Reconstruct(masked));
        double zeroRmse = planted.MissingRmse(Reconstruct(zeros));
        rmse.Should().BeLessThanOrEqualTo(0.03, "the held-out entries are predicted from each row's features and the components");
        zeroRmse.Should().BeGreaterThanOrEqualTo(2 * rmse, "treating NaN as 0 fits the zeros instead of predicting the entries");
        output.WriteLine($"held-out RMSE {rmse:F5} ignoring NaN, {zeroRmse:F5} with NaN as 0; {masked.Iterations} iterations");
        // The monitor is ‖X‖² − 2⟨W, XHᵀ⟩ + Σ_i w_iᵀG_iw_i with float products: near the optimum it carries rounding of
        // order 1e-7 ‖X‖² (≈ 1e-3 here), so a rise is only an error beyond 1e-6 of the starting objective.
        for (int i = 1; i < masked.LossHistory.Count; i++)
            masked.LossHistory[i].Should().BeLessThanOrEqualTo(masked.LossHistory[i - 1] + 1e-6 * masked.LossHistory[0], $"the observed-entry objective must not rise (iteration {i})");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Transform_OfTheTrainingRowsWithNaN_EqualsTheFitTimeFeatures(bool sparse)
    {
        var x = WithHoles(TestData.Digits(200), fraction: 0.2, seed: 5);
        INmfMatrix input = sparse ? ToCsrKeepingNaN(x) : x;
        var result = NmfEngine.Fit(input, new NmfFitOptions { Rank = 8, MaxIterations = 60, MissingValues = NmfMissingValues.Ignore, AlphaW = 0.001, L1Ratio = 0.5 });
        var projector = result.Projector;
        projector.AllowsMissing.Should().BeTrue();

        // Same tolerance as the unmasked fit ≡ transform test: the projection is deterministic per row.
        FactorAssertions.RelativeDifference(projector.Transform(input), result.W).Should().BeLessThan(1e-5);
        var workspace = projector.CreateWorkspace();
        var rows = new float[x.Rows * 8];
        for (int i = 0; i < x.Rows; i++)
            projector.Project(x.Row(i), rows.AsSpan(i * 8, 8), workspace);
        FactorAssertions.RelativeDifference(rows, result.W.Values).Should().BeLessThan(1e-5, "Project of each dense row with NaN");
    }

    [Fact]
    public void Fit_SparseWithExplicitNaN_EqualsDenseWithNaNAtTheSameSlots()
    {
        // In a sparse row the implicit zeros are observed zeros: the CSR form and the dense form are the same data.
        var x = WithHoles(TestData.Digits(150), fraction: 0.15, seed: 8);
        var options = new NmfFitOptions { Rank = 6, MaxIterations = 50, MissingValues = NmfMissingValues.Ignore, Initialization = NmfInitialization.Random };
        var dense = NmfEngine.Fit(x, options);
        var sparse = NmfEngine.Fit(ToCsrKeepingNaN(x), options);
        FactorAssertions.RelativeDifference(sparse.H, dense.H).Should().BeLessThan(1e-4);
        FactorAssertions.RelativeDifference(sparse.W, dense.W).Should().BeLessThan(1e-4);
    }

    [Fact]
    public void Fit_WithMissingEntries_IsBitIdenticalForAnyThreadCount()
    {
        var x = WithHoles(TestData.Digits(300), fraction: 0.25, seed: 2);
        var options = new NmfFitOptions { Rank = 7, MaxIterations = 30, Shuffle = true, MissingValues = NmfMissingValues.Ignore };
        var one = NmfEngine.Fit(x, options with { DegreeOfParallelism = 1 });
        var four = NmfEngine.Fit(x, options with { DegreeOfParallelism = 4 });
        four.W.Values.ToArray().Should().Equal(one.W.Values.ToArray());
        four.H.Values.ToArray().Should().Equal(one.H.Values.ToArray());
        four.LossHistory.Should().Equal(one.LossHistory);
    }

    [Theory]
    [InlineData(false, NmfInitialization.Auto)]
    [InlineData(true, NmfInitialization.Auto)]
    [InlineData(false, NmfInitialization.Random)]
    [InlineData(true, NmfInitialization.Nndsvd)]
    public void Fit_RowsAndColumnsWithNothingObserved_GetZeroFeaturesAndZeroComponents(bool sparse, NmfInitialization init)
    {
        var x = WithHoles(TestData.Digits(120), fraction: 0.3, seed: 4);
        var values = x.Values.ToArray();
        for (int j = 0; j < 64; j++) values[7 * 64 + j] = float.NaN;   // row 7: nothing observed
        for (int i = 0; i < 120; i++) values[i * 64 + 20] = float.NaN; // column 20: nothing observed
        var holey = new DenseMatrix(120, 64, values, NmfMissingValues.Ignore);
        INmfMatrix input = sparse ? ToCsrKeepingNaN(holey) : holey;
        var result = NmfEngine.Fit(input, new NmfFitOptions { Rank = 6, MaxIterations = 80, Initialization = init, MissingValues = NmfMissingValues.Ignore });

        FactorAssertions.ShouldBeNonNegativeAndFinite(result.W, "W");
        FactorAssertions.ShouldBeNonNegativeAndFinite(result.H, "H");
        double.IsFinite(result.RelativeError).Should().BeTrue();
        result.LossHistory.Should().OnlyContain(v => double.IsFinite(v));
        result.W.Row(7).ToArray().Should().OnlyContain(v => v == 0f, "a row with nothing observed gets zero features");
        Enumerable.Range(0, 6).Select(t => result.H[t, 20]).Should().OnlyContain(v => v == 0f, "a column with nothing observed gets zero in every component");
        var features = new float[6];
        result.Projector.Project(Enumerable.Repeat(float.NaN, 64).ToArray(), features, result.Projector.CreateWorkspace());
        features.Should().OnlyContain(v => v == 0f, "a new row with nothing observed projects to zero features");
    }

    [Fact]
    public void Fit_IgnoreWithAnotherSolver_ThrowsNamingTheOption()
    {
        var x = WithHoles(TestData.Digits(50), fraction: 0.1, seed: 1);
        var act = () => NmfEngine.Fit(x, new NmfFitOptions { Solver = NmfSolver.MultiplicativeUpdate, MissingValues = NmfMissingValues.Ignore, Rank = 3 });
        act.Should().Throw<ArgumentException>().Which.Message.Should()
            .Contain("MissingValues = Ignore needs Solver = CoordinateDescent").And.Contain("MultiplicativeUpdate");
        var kl = () => NmfEngine.Fit(x, new NmfFitOptions { Solver = NmfSolver.CoordinateDescentKL, Loss = NmfLoss.KullbackLeibler, MissingValues = NmfMissingValues.Ignore, Rank = 3 });
        kl.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("MissingValues");
    }

    [Fact]
    public void Fit_NaNWhileMissingValuesIsError_ThrowsNamingRowColumnAndTheOption()
    {
        var values = TestData.Digits(20).Values.ToArray();
        values[3 * 64 + 9] = float.NaN;
        var x = new DenseMatrix(20, 64, values, NmfMissingValues.Ignore);
        var act = () => NmfEngine.Fit(x, new NmfFitOptions { Rank = 3 });
        act.Should().Throw<ArgumentException>().Which.Message.Should()
            .Contain("NaN").And.Contain("row 3, column 9").And.Contain("MissingValues = Ignore");
        var plain = () => new DenseMatrix(20, 64, values);
        plain.Should().Throw<ArgumentException>().Which.Message.Should().Contain("row 3, column 9");
    }

    [Fact]
    public void Matrix_NegativeOrInfiniteValue_StaysAnErrorWithIgnore()
    {
        var values = new float[] { 1, float.NaN, -0.5f, 2 };
        var negative = () => new DenseMatrix(2, 2, values, NmfMissingValues.Ignore);
        negative.Should().Throw<ArgumentException>().Which.Message.Should().Contain("a negative value (-0.5) at row 1, column 0");
        var infinite = () => new CsrMatrix(1, 2, [0, 2], [0, 1], [float.NaN, float.PositiveInfinity], NmfMissingValues.Ignore);
        infinite.Should().Throw<ArgumentException>().Which.Message.Should().Contain("an infinite value").And.Contain("row 0, column 1");
        var allMissing = () => NmfEngine.Fit(new DenseMatrix(1, 2, [float.NaN, float.NaN], NmfMissingValues.Ignore),
            new NmfFitOptions { Rank = 1, MissingValues = NmfMissingValues.Ignore });
        allMissing.Should().Throw<ArgumentException>().Which.Message.Should().Contain("Every entry of X is missing");
    }

    [Fact]
    public void FitBlocks_WithIgnoreOrNaN_RefusesNamingTheOption()
    {
        var x = WithHoles(TestData.Digits(40), fraction: 0.1, seed: 3);
        var ignore = () => NmfEngine.FitBlocks([x], new NmfFitOptions { Rank = 3, MissingValues = NmfMissingValues.Ignore });
        ignore.Should().Throw<ArgumentException>().Which.Message.Should().Contain("MissingValues = Ignore is not supported by FitBlocks");
        var nan = () => NmfEngine.FitBlocks([x], new NmfFitOptions { Rank = 3 });
        nan.Should().Throw<ArgumentException>().Which.Message.Should().Contain("NaN").And.Contain("MissingValues = Ignore");
    }

    /// <summary>A copy of <paramref name="x"/> with a seeded random fraction of its entries set to NaN.</summary>
    internal static DenseMatrix WithHoles(DenseMatrix x, double fraction, int seed)
    {
        var random = new Random(seed);
        var values = x.Values.ToArray();
        for (int i = 0; i < values.Length; i++)
            if (random.NextDouble() < fraction)
                values[i] = float.NaN;
        return new DenseMatrix(x.Rows, x.Columns, values, NmfMissingValues.Ignore);
    }

    /// <summary>CSR with the zeros dropped and the NaN kept as explicit stored values.</summary>
    internal static CsrMatrix ToCsrKeepingNaN(DenseMatrix x)
    {
        var csr = x.ToCsr();
        csr.AllowsMissing.Should().BeTrue();
        return csr;
    }

    [Fact]
    public void Fit_MissingValuesWithRankTooLargeForItsArrays_IsRefusedNamingRank()
    {
        // 20,000 <= the features, so the rank check passes; the masked fit's k x k work arrays cannot be held.
        var values = new float[10 * 20_000];
        for (int i = 0; i < values.Length; i++)
            values[i] = (i % 7) + 1;
        values[3] = float.NaN;
        var x = new DenseMatrix(10, 20_000, values, NmfMissingValues.Ignore);
        var fit = () => NmfEngine.Fit(x, new NmfFitOptions { Rank = 20_000, MaxIterations = 1, MissingValues = NmfMissingValues.Ignore, Initialization = NmfInitialization.Random });
        fit.Should().Throw<ArgumentOutOfRangeException>()
            .Where(e => e.ParamName == "Rank" && e.Message.Contains("Rank 20000") && e.Message.Contains("Lower"));
    }

    [Theory]
    [InlineData(1e30f)]
    [InlineData(1e20f)]
    [InlineData(1e-40f)]
    public void MissingValuesIgnore_OnDataOfExtremeMagnitude_FitsAsTheUnmaskedFitDoes(float scale)
    {
        // The unmasked fit rescales such data (DataScale) and reaches a relative error of about 0.5; the masked fit used
        // not to, and returned W = 0, H = 0 (relative error 1, a NaN first objective at 1e30) without an error.
        var values = Magnitude.Values(20, 12, 5, scale);
        values[3] = float.NaN;
        var x = new DenseMatrix(20, 12, values, NmfMissingValues.Ignore);
        var options = new NmfFitOptions { Rank = 3, MissingValues = NmfMissingValues.Ignore, DegreeOfParallelism = 2 };

        var result = NmfEngine.Fit(x, options);

        result.LossHistory.Should().OnlyContain(v => double.IsFinite(v), "the objective of finite data is finite");
        Magnitude.AllZero(result.H.Values).Should().BeFalse("data with positive entries has non-zero components");
        result.RelativeError.Should().BeLessThan(0.9, "the same data without the NaN fits to about 0.5");
        var scaledBack = NmfEngine.Fit(new DenseMatrix(20, 12, values.Select(v => float.IsNaN(v) ? v : (float)(v / (double)scale)).ToArray(), NmfMissingValues.Ignore), options);
        result.RelativeError.Should().BeApproximately(scaledBack.RelativeError, 1e-3, "the fit of X is the fit of X scaled towards 1");
    }
}
