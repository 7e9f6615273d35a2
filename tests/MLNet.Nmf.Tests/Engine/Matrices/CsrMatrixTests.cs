using MLNet.Nmf.Engine.Matrices;

namespace MLNet.Nmf.Tests.Engine.Matrices;

public class CsrMatrixTests
{
    [Theory]
    [InlineData(-2f, "a negative value (-2)")]
    [InlineData(float.NaN, "NaN (NaN)")]
    [InlineData(float.PositiveInfinity, "an infinite value (Infinity)")]
    public void Constructor_InvalidValue_ThrowsNamingRowColumnAndValue(float bad, string what)
    {
        var act = () => new CsrMatrix(2, 5, new[] { 0, 1, 3 }, new[] { 0, 1, 4 }, new[] { 1f, 2f, bad });
        act.Should().Throw<ArgumentException>()
            .WithMessage($"The matrix has {what} at row 1, column 4; NMF needs finite, non-negative input.*")
            .Which.ParamName.Should().Be("values");
    }

    [Theory]
    [InlineData(new[] { 0, 4, 1 }, "Row 1 has column indices out of order or repeated (4 then 1)*")]
    [InlineData(new[] { 0, 2, 2 }, "Row 1 has column indices out of order or repeated (2 then 2)*")]
    public void Constructor_UnsortedOrRepeatedIndices_ThrowsNamingTheRow(int[] indices, string message)
    {
        var act = () => new CsrMatrix(2, 5, new[] { 0, 1, 3 }, indices, new[] { 1f, 2f, 3f });
        act.Should().Throw<ArgumentException>().WithMessage(message).Which.ParamName.Should().Be("columnIndices");
    }

    [Theory]
    [InlineData(3)]
    [InlineData(-1)]
    public void Constructor_IndexOutOfRange_ThrowsNamingRowAndIndex(int index)
    {
        var act = () => new CsrMatrix(2, 3, new[] { 0, 0, 1 }, new[] { index }, new[] { 1f });
        act.Should().Throw<ArgumentException>().WithMessage($"Row 1 has column index {index}, outside [0, 3).*").Which.ParamName.Should().Be("columnIndices");
    }

    [Fact]
    public void Constructor_BadRowPointers_ThrowsNamingTheProblem()
    {
        var count = () => new CsrMatrix(2, 3, new[] { 0, 1, 2 }, new[] { 0 }, new[] { 1f });
        count.Should().Throw<ArgumentException>().WithMessage("RowPointers[2] = 2 stored values, but ColumnIndices has 1 and Values has 1.*");
        var decreasing = () => new CsrMatrix(2, 3, new[] { 0, 2, 1 }, new[] { 0 }, new[] { 1f });
        decreasing.Should().Throw<ArgumentException>().WithMessage("RowPointers must be non-decreasing*RowPointers[0] = 0, RowPointers[1] = 2.*")
            .Which.ParamName.Should().Be("rowPointers");
        var length = () => new CsrMatrix(2, 3, new[] { 0, 1 }, new[] { 0 }, new[] { 1f });
        length.Should().Throw<ArgumentException>().WithMessage("RowPointers must have Rows + 1 = 3 entries but has 2.*");
        var start = () => new CsrMatrix(1, 3, new[] { 1, 1 }, new[] { 0 }, new[] { 1f });
        start.Should().Throw<ArgumentException>().WithMessage("RowPointers[0] must be 0 but is 1.*");
        var values = () => new CsrMatrix(1, 3, new[] { 0, 2 }, new[] { 0, 1 }, new[] { 1f });
        values.Should().Throw<ArgumentException>().WithMessage("*ColumnIndices has 2 and Values has 1*");
    }

    [Fact]
    public void Constructor_EmptyRowsAndExplicitZeros_AreAccepted()
    {
        var m = new CsrMatrix(3, 4, new[] { 0, 0, 2, 2 }, new[] { 1, 3 }, new[] { 0f, 5f });
        m.NonZeroCount.Should().Be(2);
        m.RowIndices(0).IsEmpty.Should().BeTrue();
        m.RowValues(1).ToArray().Should().Equal(0f, 5f);
        m.ToDense()[1, 3].Should().Be(5f);
    }

    [Fact]
    public void Transpose_IsTheCscForm_AndEqualsTheDenseTranspose()
    {
        var (dense, sparse) = TestData.Random(17, 9, 0.3, seed: 3);
        var t = sparse.Transpose();
        (t.Rows, t.Columns, t.NonZeroCount).Should().Be((9, 17, sparse.NonZeroCount));
        t.ToDense().Values.ToArray().Should().Equal(dense.Transpose().Values.ToArray());
        for (int j = 0; j < t.Rows; j++)
            t.RowIndices(j).ToArray().Should().BeInAscendingOrder("the transpose keeps the CSR invariants");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(-1)]
    public void RowAccess_OutsideTheMatrix_ThrowsNamingTheRow(int row)
    {
        // RowIndices / RowValues read RowPointers[row + 1]: an IndexOutOfRangeException naming nothing.
        var m = new CsrMatrix(2, 5, new[] { 0, 1, 3 }, new[] { 0, 1, 4 }, new[] { 1f, 2f, 3f });

        var indices = () => m.RowIndices(row).ToArray();
        var values = () => m.RowValues(row).ToArray();

        string message = FormattableString.Invariant($"Row {row} is outside [0, 2): the matrix has 2 rows.*");
        indices.Should().Throw<ArgumentOutOfRangeException>().WithMessage(message).Which.ParamName.Should().Be("row");
        values.Should().Throw<ArgumentOutOfRangeException>().WithMessage(message).Which.ParamName.Should().Be("row");
    }
}
