using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.Nmf.Tests.MLNet;

/// <summary>
/// Every option is checked when the estimator is built, before any data is read (they used to be checked only
/// in Fit, after the whole data pass), and the estimator keeps its own copy of the options.
/// </summary>
public class EstimatorOptionTests
{
    private sealed class Row
    {
        [VectorType(3)] public float[] Values { get; set; } = Array.Empty<float>();
    }

    private static NmfOptions Valid() => new() { OutputColumnName = "Topics", InputColumnName = "Values", Rank = 2 };

    public static IEnumerable<object[]> BadOptions() => new (Action<NmfOptions> Set, string Name, Type Error)[]
    {
        (o => o.Tolerance = -1, "Tolerance", typeof(ArgumentOutOfRangeException)),
        (o => o.Tolerance = double.NaN, "Tolerance", typeof(ArgumentOutOfRangeException)),
        (o => o.DegreeOfParallelism = 0, "DegreeOfParallelism", typeof(ArgumentOutOfRangeException)),
        (o => o.AlphaW = -1, "AlphaW", typeof(ArgumentOutOfRangeException)),
        (o => o.AlphaW = 1e300, "AlphaW", typeof(ArgumentOutOfRangeException)),
        (o => o.AlphaH = double.NaN, "AlphaH", typeof(ArgumentOutOfRangeException)),
        (o => o.L1Ratio = 2, "L1Ratio", typeof(ArgumentOutOfRangeException)),
        (o => o.InnerIterations = -1, "InnerIterations", typeof(ArgumentOutOfRangeException)),
        (o => { o.Solver = NmfSolver.MultiplicativeUpdate; o.Loss = NmfLoss.Beta; o.Beta = -50; }, "Beta", typeof(ArgumentOutOfRangeException)),
        (o => { o.Solver = NmfSolver.MultiplicativeUpdate; o.Loss = NmfLoss.Beta; o.Beta = double.PositiveInfinity; }, "Beta", typeof(ArgumentOutOfRangeException)),
        (o => o.Loss = NmfLoss.KullbackLeibler, "Solver", typeof(ArgumentException)),
        (o => { o.Solver = NmfSolver.CoordinateDescentKL; o.Loss = NmfLoss.Frobenius; }, "Solver", typeof(ArgumentException)),
        (o => o.Solver = (NmfSolver)42, "Solver", typeof(ArgumentOutOfRangeException)),
        (o => o.Initialization = (NmfInitialization)42, "Initialization", typeof(ArgumentOutOfRangeException)),
        (o => o.Rank = 0, "Rank", typeof(ArgumentOutOfRangeException)),
        (o => o.MaximumIterations = 0, "MaximumIterations", typeof(ArgumentOutOfRangeException)),
        (o => o.BlockSize = 0, "BlockSize", typeof(ArgumentOutOfRangeException)),
        (o => o.MaximumPasses = 1, "MaximumPasses", typeof(ArgumentOutOfRangeException)),
    }.Select((c, i) => new object[] { i, c.Set, c.Name, c.Error });

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void BadOption_IsRefusedWhenTheEstimatorIsBuilt_NamingIt(int index, Action<NmfOptions> set, string name, Type error)
    {
        _ = index; // keeps the theory's cases apart in the runner's list
        var options = Valid();
        set(options);
        var act = () => new MLContext().Transforms.NonNegativeMatrixFactorization(options);
        var thrown = act.Should().Throw<ArgumentException>().Which;
        thrown.Should().BeOfType(error);
        thrown.ParamName.Should().Be(name);
        thrown.Message.Should().Contain(name);
    }

    [Theory]
    [InlineData(65)]
    [InlineData(50_000)]
    [InlineData(65_536)]
    [InlineData(100_000)]
    [InlineData(int.MaxValue / 2)]
    public void RankAboveTheFeatures_IsRefusedBeforeTheDataPass_NamingRank(int rank)
    {
        // Used to crash the process (AccessViolation) at 100,000, throw OverflowException at 50,000 and
        // NullReferenceException at 65,536.
        var ml = new MLContext(seed: 1);
        var digits = ModelFileTests.Digits(ml);
        var act = () => ml.Transforms.NonNegativeMatrixFactorization("H", "Pixels", rank: rank).Fit(digits);
        var error = act.Should().Throw<ArgumentOutOfRangeException>().Which;
        error.ParamName.Should().Be("Rank");
        error.Message.Should().StartWith($"Rank {rank} is above the number of features (64) of column 'Pixels'");
    }

    [Fact]
    public void ChangingTheOptionsAfterwards_DoesNotChangeOrBypassTheEstimator()
    {
        var ml = new MLContext(seed: 1);
        var rows = Enumerable.Range(0, 8).Select(i => new Row { Values = new[] { 1f + i, 2f, 0.5f * i } }).ToArray();
        var data = ml.Data.LoadFromEnumerable(rows);
        var options = Valid();
        var estimator = ml.Transforms.NonNegativeMatrixFactorization(options);
        options.Rank = 0;
        options.Tolerance = double.NaN;
        options.OutputColumnName = "";
        var model = estimator.Fit(data);
        model.Model.Rank.Should().Be(2);
        model.OutputColumnName.Should().Be("Topics");
    }

    [Fact]
    public void StreamedBlockTooLargeForAnArray_IsRefusedBeforeTheDataPass_NamingBlockSize()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new Row { Values = new[] { 1f, 2f, 3f } } });
        var options = Valid();
        options.Rank = 3;
        options.BlockSize = int.MaxValue;
        options.FitMode = NmfFitMode.Streamed;
        var fit = () => ml.Transforms.NonNegativeMatrixFactorization(options).Fit(data);
        fit.Should().Throw<ArgumentOutOfRangeException>()
            .Where(e => e.ParamName == "BlockSize" && e.Message.Contains("lower BlockSize"));
    }
}
