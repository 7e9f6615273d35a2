using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.Projection;
using MLNet.Nmf.Tests.Engine.Support;

namespace MLNet.Nmf.Tests.Engine.Projection;

/// <summary>What a caller of the engine's projector can get wrong: the workspace it passes, a matrix with missing entries.</summary>
public class ProjectorMisuseTests
{
    private static NmfProjector Projector(int rank) =>
        NmfEngine.Fit(new DenseMatrix(20, 12, Magnitude.Values(20, 12, 1, 1f, 0.3)), new NmfFitOptions { Rank = rank, MaxIterations = 5, DegreeOfParallelism = 1 }).Projector;

    [Fact]
    public void Project_WithAWorkspaceOfASmallerRank_ThrowsNamingBothRanks()
    {
        // The projection writes Rank features into the workspace's pinned buffers through pointers: a rank-2 workspace
        // given to a rank-9 projector was written past its end (heap corruption), without any error.
        var projector = Projector(9);
        var small = Projector(2).CreateWorkspace();
        var features = new float[9];

        var dense = () => projector.Project(new float[12], features, small);
        var sparse = () => projector.Project(new[] { 0, 5 }, new[] { 1f, 2f }, features, small);

        const string message = "The workspace was made for rank 2, but this projector has rank 9. Use this projector's CreateWorkspace().*";
        dense.Should().Throw<ArgumentException>().WithMessage(message).Which.ParamName.Should().Be("workspace");
        sparse.Should().Throw<ArgumentException>().WithMessage(message).Which.ParamName.Should().Be("workspace");
    }

    [Fact]
    public void Project_WithoutAWorkspace_ThrowsArgumentNull()
    {
        var projector = Projector(3);

        var act = () => projector.Project(new float[12], new float[3], null!);

        act.Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("workspace");
    }

    [Theory]
    [InlineData(Storage.Dense)]
    [InlineData(Storage.Sparse)]
    public void Transform_OfAMatrixWithMissingEntries_OnAProjectorWithoutThem_ThrowsNamingRowAndColumn(Storage storage)
    {
        // A matrix built with NmfMissingValues.Ignore, projected by components of an ordinary fit: the NaN reached the
        // solver and came out as "OverflowException: NMF cannot represent the row's features in float: feature 0 is NaN".
        var values = Magnitude.Values(3, 12, 2, 1f, 0.3);
        values[1 * 12 + 7] = float.NaN;
        var dense = new DenseMatrix(3, 12, values, NmfMissingValues.Ignore);
        INmfMatrix x = storage == Storage.Dense ? dense : dense.ToCsr();

        var act = () => Projector(3).Transform(x, 1);

        act.Should().Throw<ArgumentException>()
            .WithMessage("The matrix has NaN (a missing entry) at row 1, column 7, but this projector takes no missing entries*Fill in the missing entries first.*")
            .Which.ParamName.Should().Be("matrix");
    }

    [Fact]
    public void CreateProjector_FromComponentsWithNaN_ThrowsNamingTheEntry()
    {
        // Components read into a matrix built with NmfMissingValues.Ignore: the NaN was reported as "its squared norm is
        // NaN, above 1.32923E+36 ... Scale the data towards 1".
        var components = new DenseMatrix(2, 3, new[] { 1f, 2f, 2f, 0f, float.NaN, 1f }, NmfMissingValues.Ignore);

        var act = () => NmfEngine.CreateProjector(components, 2, default);

        act.Should().Throw<ArgumentException>()
            .WithMessage("The components hold NaN at component 1, feature 1; components must be finite and non-negative everywhere*")
            .Which.ParamName.Should().Be("components");
    }
}
