using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Tests.Engine.Support;

namespace MLNet.Nmf.Tests.Engine.Validation;

/// <summary>A custom start (InitialW, InitialH) is checked against the data and the rank.</summary>
public class CustomInitializationValidationTests
{
    private static readonly DenseMatrix X = TestData.Digits(20); // 20 x 64
    private static readonly DenseMatrix GoodW = TestData.Uniform(20, 3, seed: 1);
    private static readonly DenseMatrix GoodH = TestData.Uniform(3, 64, seed: 2);

    private static Action Fit(DenseMatrix? w, DenseMatrix? h) =>
        () => NmfEngine.Fit(X, new NmfFitOptions { Rank = 3, MaxIterations = 2, Initialization = NmfInitialization.Custom, InitialW = w, InitialH = h });

    [Fact]
    public void Custom_Missing_ThrowsNamingTheFactorAndItsShape()
    {
        Fit(null, GoodH).Should().Throw<ArgumentException>().WithMessage("Initialization Custom needs InitialW (20 x 3).*").Which.ParamName.Should().Be("InitialW");
        Fit(GoodW, null).Should().Throw<ArgumentException>().WithMessage("Initialization Custom needs InitialH (3 x 64).*").Which.ParamName.Should().Be("InitialH");
    }

    [Fact]
    public void Custom_OfTheWrongShape_ThrowsWithExpectedAndActualShapes()
    {
        Fit(TestData.Uniform(20, 4, seed: 1), GoodH).Should().Throw<ArgumentException>().WithMessage("InitialW must be 20 x 3 but is 20 x 4.*").Which.ParamName.Should().Be("InitialW");
        Fit(TestData.Uniform(19, 3, seed: 1), GoodH).Should().Throw<ArgumentException>().WithMessage("InitialW must be 20 x 3 but is 19 x 3.*");
        Fit(GoodW, TestData.Uniform(3, 10, seed: 2)).Should().Throw<ArgumentException>().WithMessage("InitialH must be 3 x 64 but is 3 x 10.*").Which.ParamName.Should().Be("InitialH");
        Fit(GoodW, TestData.Uniform(64, 3, seed: 2)).Should().Throw<ArgumentException>().WithMessage("InitialH must be 3 x 64 but is 64 x 3.*", "a transposed H is a common mistake");
    }

    [Theory]
    [InlineData(NmfInitialization.Auto, true, true)]
    [InlineData(NmfInitialization.Random, true, false)]
    [InlineData(NmfInitialization.Nndsvda, false, true)]
    public void AStartGiven_WithAnotherInitialization_IsRefusedNotIgnored(NmfInitialization init, bool withW, bool withH)
    {
        // A warm start from a previous result without Initialization = Custom fitted from NNDSVDa (or Random) as if the
        // start had not been given, with no word (scikit-learn at least warns that it is ignored).
        var act = () => NmfEngine.Fit(X, new NmfFitOptions { Rank = 3, MaxIterations = 2, Initialization = init, InitialW = withW ? GoodW : null, InitialH = withH ? GoodH : null });

        act.Should().Throw<ArgumentException>()
            .WithMessage($"{(withW ? "InitialW" : "InitialH")} is given, but Initialization is {init}, which would ignore it. Set Initialization = Custom to start from InitialW and InitialH, or leave them null.*")
            .Which.ParamName.Should().Be("Initialization");
    }

    [Fact]
    public void Custom_AllZero_ThrowsNamingTheFactor()
    {
        Fit(new DenseMatrix(20, 3, new float[60]), GoodH).Should().Throw<ArgumentException>().WithMessage("InitialW is all zeros;*").Which.ParamName.Should().Be("InitialW");
        Fit(GoodW, new DenseMatrix(3, 64, new float[192])).Should().Throw<ArgumentException>().WithMessage("InitialH is all zeros;*").Which.ParamName.Should().Be("InitialH");
    }

    [Fact]
    public void Custom_WithNaN_ThrowsNamingTheFactorAndTheEntry_WithoutTheDataHint()
    {
        // A matrix built to allow missing entries can hold NaN; a start cannot use it, and the data's hint
        // ("fit with MissingValues = Ignore") would be wrong advice for a start.
        var w = GoodW.Values.ToArray();
        w[2 * 3 + 1] = float.NaN;
        var thrown = Fit(new DenseMatrix(20, 3, w, NmfMissingValues.Ignore), GoodH).Should().Throw<ArgumentException>()
            .WithMessage("InitialW has NaN (NaN) at row 2, column 1; a custom start must be finite and non-negative everywhere*").Which;
        thrown.ParamName.Should().Be("InitialW");
        thrown.Message.Should().NotContain("MissingValues");
    }

    [Fact]
    public void Custom_Negative_CannotEvenBeBuilt()
    {
        var act = () => new DenseMatrix(20, 3, Enumerable.Repeat(-1f, 60).ToArray());
        act.Should().Throw<ArgumentException>().WithMessage("*a negative value (-1) at row 0, column 0*");
    }

    [Fact]
    public void Custom_WithSomeZeros_IsAccepted()
    {
        var w = new DenseMatrix(20, 3, GoodW.Values.ToArray().Select((v, i) => i % 3 == 0 ? 0f : v).ToArray());
        Fit(w, GoodH).Should().NotThrow();
    }

    [Theory]
    [InlineData(NmfSolver.CoordinateDescent, NmfLoss.Frobenius)]
    [InlineData(NmfSolver.MultiplicativeUpdate, NmfLoss.KullbackLeibler)]
    [InlineData(NmfSolver.CoordinateDescentKL, NmfLoss.KullbackLeibler)]
    public void CustomStart_OfLargeFiniteValues_IsRefusedNamingTheFactorAndTheRange(NmfSolver solver, NmfLoss loss)
    {
        // A start of values around 1e30 on data around 1 used to pass validation; then CoordinateDescent threw an
        // OverflowException about a row's features (NaN components), MultiplicativeUpdate returned W = 0, H = 0 with
        // LossHistory[0] = -Infinity, and CoordinateDescentKL a LossHistory of -Infinity. Its product W·H (about 1e60) is
        // beyond what float carries, so no exact rescaling can fit it: it is refused by name, with the accepted range
        // and what to do (a start's scale does not matter to where the fit goes, so scaling it loses nothing).
        var x = new DenseMatrix(20, 12, Magnitude.Values(20, 12, 1, 1f));
        var options = new NmfFitOptions
        {
            Rank = 3, Solver = solver, Loss = loss, DegreeOfParallelism = 2, Initialization = NmfInitialization.Custom,
            InitialW = new DenseMatrix(20, 3, Magnitude.Values(20, 3, 1, 1e30f, zeroShare: 0)),
            InitialH = new DenseMatrix(3, 12, Magnitude.Values(3, 12, 2, 1e30f, zeroShare: 0)),
        };

        var fit = () => NmfEngine.Fit(x, options);

        fit.Should().Throw<ArgumentException>().Where(e => e.ParamName == "InitialW"
            && e.Message.StartsWith("InitialW's largest value is 9.", StringComparison.Ordinal) && e.Message.Contains("E+29, outside [")
            && e.Message.Contains("Scale the custom start so that W·H is of the data's magnitude"));
        fit.Should().Throw<ArgumentException>().Which.Message.Should().Contain("2.81475E+14]", "the accepted range: 2^±48 on ordinary data");
        var hOnly = () => NmfEngine.Fit(x, options with { InitialW = new DenseMatrix(20, 3, Magnitude.Positive(20, 3, 1, 1)) });
        hOnly.Should().Throw<ArgumentException>().Where(e => e.ParamName == "InitialH" && e.Message.StartsWith("InitialH's largest value is", StringComparison.Ordinal));
        var product = () => NmfEngine.Fit(x, options with
        {
            InitialW = new DenseMatrix(20, 3, Magnitude.Positive(20, 3, 1, 1e12)),
            InitialH = new DenseMatrix(3, 12, Magnitude.Positive(3, 12, 2, 1e12)),
        });
        product.Should().Throw<ArgumentException>().Where(e => e.ParamName == "InitialW" && e.Message.Contains("times InitialH's largest value"));
        if (solver == NmfSolver.CoordinateDescent)
        {
            var blocks = () => NmfEngine.FitBlocks(new INmfMatrix[] { x }, options);
            blocks.Should().Throw<ArgumentException>().Where(e => e.ParamName == "InitialW" && e.Message.StartsWith("InitialW's largest value is", StringComparison.Ordinal));
        }
    }

    public static IEnumerable<object[]> EdgeStarts() =>
        from solver in new[] { (NmfSolver.CoordinateDescent, NmfLoss.Frobenius), (NmfSolver.MultiplicativeUpdate, NmfLoss.KullbackLeibler), (NmfSolver.MultiplicativeUpdate, NmfLoss.Frobenius), (NmfSolver.CoordinateDescentKL, NmfLoss.KullbackLeibler) }
        from scales in new[] { (47, 0), (-47, 0), (0, 47), (0, -47), (23, 23), (-23, -23), (47, -47) }
        select new object[] { solver.Item1, solver.Item2, scales.Item1, scales.Item2 };

    [Theory]
    [MemberData(nameof(EdgeStarts))]
    public void CustomStart_InsideTheAcceptedRange_FitsWithFiniteObjectives(NmfSolver solver, NmfLoss loss, int wExponent, int hExponent)
    {
        // Starts just inside 2^±48 (each factor's largest value and their product), on data around 1: every solver fits.
        var x = new DenseMatrix(20, 12, Magnitude.Values(20, 12, 1, 1f));
        var options = new NmfFitOptions
        {
            Rank = 3, Solver = solver, Loss = loss, DegreeOfParallelism = 2, Initialization = NmfInitialization.Custom,
            InitialW = new DenseMatrix(20, 3, Magnitude.Positive(20, 3, 1, Math.ScaleB(1, wExponent))),
            InitialH = new DenseMatrix(3, 12, Magnitude.Positive(3, 12, 2, Math.ScaleB(1, hExponent))),
        };

        var result = NmfEngine.Fit(x, options);

        result.LossHistory.Should().OnlyContain(v => double.IsFinite(v), "a start in the accepted range has finite objectives");
        Magnitude.AllZero(result.W.Values).Should().BeFalse();
        result.RelativeError.Should().BeLessThan(0.9);
    }
}
