using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.Projection;

namespace MLNet.Nmf.Tests.Engine.Projection;

/// <summary>
/// Projection of finite rows of any magnitude: a fitted model used to give [∞, 0] for a row holding 1e38 and
/// [NaN, NaN] for float.MaxValue. Rows outside the safe range are scaled by an exact power of two first.
/// </summary>
public class ExtremeRowProjectionTests
{
    private static NmfProjector Projector(NmfSolver solver, NmfLoss loss, double beta = 2) =>
        NmfEngine.Fit(TestData.Digits(60), new NmfFitOptions { Rank = 4, Seed = 1, Solver = solver, Loss = loss, Beta = beta, MaxIterations = 40 }).Projector;

    public static IEnumerable<object[]> Models() => new object[][]
    {
        new object[] { NmfSolver.CoordinateDescent, NmfLoss.Frobenius, 2.0 },
        new object[] { NmfSolver.CoordinateDescentKL, NmfLoss.KullbackLeibler, 1.0 },
        new object[] { NmfSolver.MultiplicativeUpdate, NmfLoss.Beta, 1.5 },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void HugeOrTinyRow_ProjectsToFiniteNonNegativeFeatures(NmfSolver solver, NmfLoss loss, double beta)
    {
        var projector = Projector(solver, loss, beta);
        var workspace = projector.CreateWorkspace();
        var features = new float[4];
        foreach (float value in new[] { 1e38f, float.MaxValue, 1e-30f, float.Epsilon })
        {
            var row = TestData.Digits(1).Values.ToArray();
            row[3] = value;
            if (value < 1)
                for (int j = 0; j < row.Length; j++) row[j] = row[j] > 0 ? value : 0;
            projector.Project(row, features, workspace);
            features.Should().OnlyContain(v => float.IsFinite(v) && v >= 0, $"a row holding {value} has finite features");
            if (value != float.Epsilon) // features of a row of subnormals round to zero, correctly
                features.Should().Contain(v => v > 0, $"a row holding {value} is not projected to zero");
        }
    }

    [Fact]
    public void FrobeniusProjection_OfARowTimesAPowerOfTwo_IsThatPowerOfTwoTimesTheProjection_BitForBit()
    {
        // Scaling by 2^s commutes with every float operation of the coordinate sweeps (no absolute threshold), so
        // the rescaled path and the ordinary one agree exactly: w(2^100 x) = 2^100 w(x).
        var projector = Projector(NmfSolver.CoordinateDescent, NmfLoss.Frobenius);
        var workspace = projector.CreateWorkspace();
        var row = TestData.Digits(5).Row(4).ToArray();
        var plain = new float[4];
        var scaled = new float[4];
        projector.Project(row, plain, workspace);
        projector.Project(row.Select(v => (float)Math.ScaleB(v, 100)).ToArray(), scaled, workspace);
        scaled.Should().Equal(plain.Select(v => (float)Math.ScaleB(v, 100)).ToArray());
    }

    [Fact]
    public void RowWhoseFeaturesOverflowFloat_IsRefused_NotGivenInfinity()
    {
        // Components fitted on data of magnitude 1e-30 are about 1e-15: a row at 3e38 would need features near 1e53.
        var tiny = new DenseMatrix(60, 64, TestData.Digits(60).Values.ToArray().Select(v => v * 1e-30f).ToArray());
        var projector = NmfEngine.Fit(tiny, new NmfFitOptions { Rank = 4 }).Projector;
        var row = TestData.Digits(1).Values.ToArray().Select(v => v > 0 ? 3e38f : 0f).ToArray();
        var act = () => projector.Project(row, new float[4], projector.CreateWorkspace());
        act.Should().Throw<OverflowException>().WithMessage("NMF cannot represent the row's features in float: feature * is *E+*");
    }
}
