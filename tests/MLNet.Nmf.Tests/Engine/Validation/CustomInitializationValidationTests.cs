using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Matrices;

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

    [Fact]
    public void Custom_AllZero_ThrowsNamingTheFactor()
    {
        Fit(new DenseMatrix(20, 3, new float[60]), GoodH).Should().Throw<ArgumentException>().WithMessage("InitialW is all zeros;*").Which.ParamName.Should().Be("InitialW");
        Fit(GoodW, new DenseMatrix(3, 64, new float[192])).Should().Throw<ArgumentException>().WithMessage("InitialH is all zeros;*").Which.ParamName.Should().Be("InitialH");
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
}
