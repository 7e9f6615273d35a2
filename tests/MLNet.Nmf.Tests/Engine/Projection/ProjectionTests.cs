using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.Solvers;
using MLNet.Nmf.Tests.Engine.Support;

namespace MLNet.Nmf.Tests.Engine.Projection;

/// <summary>
/// <see cref="global::MLNet.Nmf.Engine.Projection.NmfProjector"/>: rows x projected onto fixed components H, the
/// features w ≥ 0 minimising d_β(x, wH) + L1‖w‖₁ + ½L2‖w‖².
/// </summary>
public class ProjectionTests
{
    public static IEnumerable<object[]> SolversByPenalty() =>
        from c in SolverCases.All from alpha in new[] { 0.0, 1.0 } select new object[] { c.Solver, c.Loss, alpha };

    [Theory]
    [MemberData(nameof(SolversByPenalty))]
    public void Projection_OfTheTrainingRows_EqualsTheFitTimeFeatures(NmfSolver solver, NmfLoss loss, double alphaScale)
    {
        var x = TestData.TextTfidf(150);
        double alpha = alphaScale * (loss == NmfLoss.Frobenius ? 0.0002 : 0.01);
        var result = NmfEngine.Fit(x, new NmfFitOptions { Solver = solver, Loss = loss, Rank = 6, MaxIterations = 40, AlphaW = alpha, L1Ratio = 0.3 });
        var projector = result.Projector;
        var dense = x.ToDense();

        // 1e-5 relative: the projection is deterministic per row, so the paths differ only where they
        // add in another order (a dense row's explicit zeros).
        FactorAssertions.RelativeDifference(projector.Transform(x), result.W).Should().BeLessThan(1e-5, "Transform of the CSR rows");
        FactorAssertions.RelativeDifference(projector.Transform(dense), result.W).Should().BeLessThan(1e-5, "Transform of the dense rows");

        var workspace = projector.CreateWorkspace(); // one workspace reused for every row, as a cursor does
        var sparseRows = new float[x.Rows * 6];
        var denseRows = new float[x.Rows * 6];
        for (int i = 0; i < x.Rows; i++)
        {
            projector.Project(x.RowIndices(i), x.RowValues(i), sparseRows.AsSpan(i * 6, 6), workspace);
            projector.Project(dense.Row(i), denseRows.AsSpan(i * 6, 6), workspace);
        }
        FactorAssertions.RelativeDifference(sparseRows, result.W.Values).Should().BeLessThan(1e-5, "Project of each sparse row");
        FactorAssertions.RelativeDifference(denseRows, result.W.Values).Should().BeLessThan(1e-5, "Project of each dense row");
    }

    [Theory]
    [InlineData(NmfSolver.CoordinateDescent, NmfLoss.Frobenius, 0.0)]
    [InlineData(NmfSolver.CoordinateDescent, NmfLoss.Frobenius, 0.01)]
    [InlineData(NmfSolver.CoordinateDescentKL, NmfLoss.KullbackLeibler, 0.0)]
    [InlineData(NmfSolver.CoordinateDescentKL, NmfLoss.KullbackLeibler, 0.01)]
    public void Projection_OfNewRows_SatisfiesTheOptimalityConditions(NmfSolver solver, NmfLoss loss, double alpha)
    {
        // Fit on the first 250 digits, project the last 50: at the optimum of the convex row problem the
        // projected gradient vanishes (KKT). The projection stops once a sweep changes w by less than
        // 1e-6 of its size, so the residual is small, not zero: measured ≤ 1.1e-6 of the gradient's scale;
        // 1e-5 is the bound. Ignoring the penalties (L1 = L2 = 0.32 here) would leave ≥ 1.8e-4.
        var x = TestData.Digits(300);
        var train = new DenseMatrix(250, 64, x.Values[..(250 * 64)].ToArray());
        var options = new NmfFitOptions { Solver = solver, Loss = loss, Rank = 8, MaxIterations = 60, AlphaW = alpha, L1Ratio = 0.5 };
        var result = NmfEngine.Fit(train, options);
        var (l1, l2, _, _) = Reference.Penalties(options, 250, 64);
        var h = Reference.ToArray(result.H);
        var workspace = result.Projector.CreateWorkspace();
        var features = new float[8];
        for (int i = 250; i < 300; i++)
        {
            result.Projector.Project(x.Row(i), features, workspace);
            features.Should().OnlyContain(v => v >= 0 && float.IsFinite(v));
            var row = x.Row(i).ToArray().Select(v => (double)v).ToArray();
            double residual = Reference.Norm(Reference.ProjectedGradient(row, features.Select(v => (double)v).ToArray(), h, options.EffectiveBeta, l1, l2));
            // The gradient's own scale: ‖Hx‖ for Frobenius (the −Hx term), ‖H1‖ for KL (the Σ_j h_tj term).
            double scale = Reference.Norm(Enumerable.Range(0, 8).Select(t => Enumerable.Range(0, 64).Sum(j => h[t, j] * (options.EffectiveBeta == 2 ? row[j] : 1))));
            residual.Should().BeLessThan(1e-5 * scale, $"row {i}");
        }
    }

    [Theory]
    [InlineData(2.0)]
    [InlineData(1.0)]
    public void Projector_FromSavedComponents_ProjectsExactlyLikeTheFit(double beta)
    {
        var x = TestData.TextTfidf(100);
        var options = beta == 2
            ? new NmfFitOptions { Rank = 5, MaxIterations = 20, AlphaW = 0.0002, L1Ratio = 0.5 }
            : new NmfFitOptions { Rank = 5, MaxIterations = 20, Solver = NmfSolver.CoordinateDescentKL, Loss = NmfLoss.KullbackLeibler };
        var result = NmfEngine.Fit(x, options);
        var (l1, l2, _, _) = Reference.Penalties(options, x.Rows, x.Columns);

        var projector = NmfEngine.CreateProjector(result.H, beta, new Penalty(l1, l2));
        projector.Penalty.Should().Be(result.Projector.Penalty, "the fit's W penalty is scikit-learn's alpha_W · n split by l1_ratio");
        projector.Transform(x).Values.ToArray().Should().Equal(result.W.Values.ToArray());
    }

    [Theory]
    [InlineData(NmfSolver.CoordinateDescent, NmfLoss.Frobenius)]
    [InlineData(NmfSolver.CoordinateDescentKL, NmfLoss.KullbackLeibler)]
    public void Projection_ScalesWithTheRow_WithoutPenalties(NmfSolver solver, NmfLoss loss)
    {
        // Both row problems are homogeneous: w*(c·x) = c·w*(x) for c > 0.
        var x = TestData.Digits(120);
        var result = NmfEngine.Fit(x, new NmfFitOptions { Solver = solver, Loss = loss, Rank = 5, MaxIterations = 30 });
        var workspace = result.Projector.CreateWorkspace();
        var once = new float[5];
        var thrice = new float[5];
        for (int i = 0; i < 20; i++)
        {
            result.Projector.Project(x.Row(i), once, workspace);
            result.Projector.Project(x.Row(i).ToArray().Select(v => 3 * v).ToArray(), thrice, workspace);
            FactorAssertions.RelativeDifference(thrice, once.Select(v => 3 * v).ToArray()).Should().BeLessThan(1e-4, $"row {i}");
        }
    }

    [Theory]
    [InlineData(NmfSolver.CoordinateDescent, NmfLoss.Frobenius)]
    [InlineData(NmfSolver.CoordinateDescentKL, NmfLoss.KullbackLeibler)]
    public void Projection_OfAnEmptyRow_IsZero(NmfSolver solver, NmfLoss loss)
    {
        var x = TestData.TextTfidf(80);
        var result = NmfEngine.Fit(x, new NmfFitOptions { Solver = solver, Loss = loss, Rank = 4, MaxIterations = 10 });
        var features = Enumerable.Repeat(float.NaN, 4).ToArray();
        result.Projector.Project(ReadOnlySpan<int>.Empty, ReadOnlySpan<float>.Empty, features, result.Projector.CreateWorkspace());
        features.Should().OnlyContain(v => v == 0f);
        result.Projector.Project(new float[x.Columns], features, result.Projector.CreateWorkspace());
        features.Should().OnlyContain(v => v == 0f);
    }

    [Fact]
    public void Projection_OfMismatchedShapes_Throws()
    {
        var x = TestData.Digits(40);
        var projector = NmfEngine.Fit(x, new NmfFitOptions { Rank = 3, MaxIterations = 5 }).Projector;
        var workspace = projector.CreateWorkspace();

        var shortRow = () => projector.Project(new float[63], new float[3], workspace);
        shortRow.Should().Throw<ArgumentException>().WithMessage("*63 values*64 features*").Which.ParamName.Should().Be("row");
        var shortOutput = () => projector.Project(new float[64], new float[2], workspace);
        shortOutput.Should().Throw<ArgumentException>().WithMessage("*2 slots*rank 3*").Which.ParamName.Should().Be("features");
        var wideMatrix = () => projector.Transform(new DenseMatrix(2, 65, new float[130]));
        wideMatrix.Should().Throw<ArgumentException>().WithMessage("*65 columns*64 features*").Which.ParamName.Should().Be("matrix");
    }

    private static float[] Random(int rows, int columns, int seed, float scale, double zeroShare = 0.3) =>
        Magnitude.Values(rows, columns, seed, scale, zeroShare);

    [Theory]
    [InlineData(12)]     // = Features: one past the last column
    [InlineData(-1)]
    public void ProjectSparse_WithAColumnIndexOutsideTheComponents_ThrowsNamingTheIndex(int column)
    {
        // The public sparse Project reads Hᵀ at the given index in unsafe code: without a check it returned features
        // computed from memory past (or before) the components instead of an error.
        var result = NmfEngine.Fit(new DenseMatrix(20, 12, Random(20, 12, 1, 1f)), new NmfFitOptions { Rank = 3, DegreeOfParallelism = 2 });
        var projector = result.Projector;
        var features = new float[3];

        var project = () => projector.Project(new[] { 0, column }, new[] { 1f, 1f }, features, projector.CreateWorkspace());

        project.Should().Throw<ArgumentOutOfRangeException>()
            .Where(e => e.Message.Contains(column.ToString(System.Globalization.CultureInfo.InvariantCulture)) && e.Message.Contains("12"));
    }

    [Theory]
    [InlineData(NmfSolver.CoordinateDescent, NmfLoss.Frobenius, 2.0)]
    [InlineData(NmfSolver.CoordinateDescentKL, NmfLoss.KullbackLeibler, 1.0)]
    [InlineData(NmfSolver.MultiplicativeUpdate, NmfLoss.Beta, 1.5)]
    public void ProjectSparse_WithIndicesNotStrictlyIncreasing_ThrowsNamingThePosition(NmfSolver solver, NmfLoss loss, double beta)
    {
        var projector = NmfEngine.Fit(new DenseMatrix(20, 12, Random(20, 12, 1, 1f)),
            new NmfFitOptions { Rank = 3, Solver = solver, Loss = loss, Beta = beta, DegreeOfParallelism = 2 }).Projector;
        var features = new float[3];
        var workspace = projector.CreateWorkspace();

        var repeated = () => projector.Project(new[] { 2, 5, 5 }, new[] { 1f, 1f, 1f }, features, workspace);
        var descending = () => projector.Project(new[] { 7, 3 }, new[] { 1f, 1f }, features, workspace);
        var unpaired = () => projector.Project(new[] { 1, 2, 3 }, new[] { 1f, 1f }, features, workspace);

        repeated.Should().Throw<ArgumentException>().WithMessage("*strictly increasing*index 5 (position 2) follows 5*").Which.ParamName.Should().Be("indices");
        descending.Should().Throw<ArgumentException>().WithMessage("*strictly increasing*index 3 (position 1) follows 7*").Which.ParamName.Should().Be("indices");
        unpaired.Should().Throw<ArgumentException>().WithMessage("*3 indices but 2 values*").Which.ParamName.Should().Be("indices");
    }

    [Theory]
    [InlineData(-1f, "*column 5 (position 1) is -1: negative*")]
    [InlineData(float.PositiveInfinity, "*column 5 (position 1) is Infinity: infinite*")]
    [InlineData(float.NaN, "*column 5 (position 1) is NaN*takes no missing entries*")]
    public void Project_OfABadValue_ThrowsNamingItsColumn(float bad, string message)
    {
        // The public projection checked the indices only: a negative, infinite or NaN value gave features of garbage or NaN.
        var projector = NmfEngine.Fit(new DenseMatrix(20, 12, Random(20, 12, 1, 1f)), new NmfFitOptions { Rank = 3, DegreeOfParallelism = 2 }).Projector;
        var features = new float[3];
        var workspace = projector.CreateWorkspace();
        var dense = new float[12];
        dense[2] = 1f;
        dense[5] = bad;
        var sparseLong = Enumerable.Range(0, 12).Select(j => j == 5 ? bad : 0.5f).ToArray(); // past one 8-wide vector

        var sparse = () => projector.Project(new[] { 2, 5, 9 }, new[] { 1f, bad, 1f }, features, workspace);
        var whole = () => projector.Project(dense, features, workspace);
        var wide = () => projector.Project(Enumerable.Range(0, 12).ToArray(), sparseLong, features, workspace);

        sparse.Should().Throw<ArgumentException>().WithMessage(message).Which.ParamName.Should().Be("values");
        whole.Should().Throw<ArgumentException>().WithMessage(message.Replace("position 1", "position 5")).Which.ParamName.Should().Be("row");
        wide.Should().Throw<ArgumentException>().WithMessage(message.Replace("position 1", "position 5")).Which.ParamName.Should().Be("values");
    }

    [Fact]
    public void Project_WithMissingAllowed_TakesNaNButRefusesNegatives()
    {
        var x = Random(30, 12, 1, 1f);
        x[7] = float.NaN;
        var projector = NmfEngine.Fit(new DenseMatrix(30, 12, x, NmfMissingValues.Ignore), new NmfFitOptions { Rank = 3, MissingValues = NmfMissingValues.Ignore, DegreeOfParallelism = 2 }).Projector;
        var features = new float[3];
        var workspace = projector.CreateWorkspace();

        projector.Project(new[] { 1, 4, 6 }, new[] { 1f, float.NaN, 2f }, features, workspace);
        var negative = () => projector.Project(new[] { 1, 4, 6 }, new[] { 1f, float.NaN, -2f }, features, workspace);

        features.Should().OnlyContain(f => float.IsFinite(f) && f >= 0);
        features.Should().Contain(f => f > 0);
        negative.Should().Throw<ArgumentException>().WithMessage("*column 6 (position 2) is -2: negative*");
    }

    [Fact]
    public void ProjectSparse_OfValidIndices_EqualsTheDenseProjection()
    {
        // The check is a guard only: a sparse row with valid indices still projects bit for bit as its dense form.
        var projector = NmfEngine.Fit(new DenseMatrix(20, 12, Random(20, 12, 1, 1f)), new NmfFitOptions { Rank = 3, DegreeOfParallelism = 2 }).Projector;
        var dense = new float[12];
        dense[0] = 0.5f; dense[4] = 2f; dense[11] = 1.25f;
        var fromSparse = new float[3];
        var fromDense = new float[3];

        projector.Project(new[] { 0, 4, 11 }, new[] { 0.5f, 2f, 1.25f }, fromSparse, projector.CreateWorkspace());
        projector.Project(dense, fromDense, projector.CreateWorkspace());

        fromSparse.Should().Equal(fromDense);
        fromSparse.Should().Contain(v => v > 0f);
    }

    [Fact]
    public void ProjectSparse_IndexCheck_FindsABadIndexAtEveryPositionOfEveryLength()
    {
        // The check compares eight neighbours at a time, then the rest one by one: a bad index anywhere, in the vector part
        // or the tail, at either end, is found and named by position; rows without one pass (lengths 0 to 40).
        var projector = NmfEngine.Fit(new DenseMatrix(20, 48, Random(20, 48, 1, 1f)), new NmfFitOptions { Rank = 3, DegreeOfParallelism = 1 }).Projector;
        var workspace = projector.CreateWorkspace();
        var features = new float[3];
        for (int length = 0; length <= 40; length++)
        {
            var indices = Enumerable.Range(0, length).Select(p => p + 4).ToArray(); // 4 .. length + 3 < 48
            var values = Enumerable.Repeat(1f, length).ToArray();
            projector.Project(indices, values, features, workspace); // valid: no exception
            for (int position = 0; position < length; position++)
            {
                foreach (int bad in new[] { -1, 48, int.MaxValue, int.MinValue, position == 0 ? -1 : indices[position - 1] })
                {
                    var broken = (int[])indices.Clone();
                    broken[position] = bad;
                    var project = () => projector.Project(broken, values, features, workspace);
                    // The first offender in order: a value below the next one's predecessor is also "not increasing" there.
                    string expected = bad < 0 || bad >= 48
                        ? FormattableString.Invariant($"*index {bad} (position {position})*")
                        : FormattableString.Invariant($"*index {bad} (position {position}) follows {indices[position - 1]}*");
                    project.Should().Throw<ArgumentException>().WithMessage(expected, $"length {length}, position {position}, index {bad}")
                        .Which.ParamName.Should().Be("indices");
                }
            }
        }
    }
}
