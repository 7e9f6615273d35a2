using MLNet.Nmf.Engine.Matrices;

namespace MLNet.Nmf.Tests.Engine.Matrices;

public class DenseMatrixTests
{
    [Theory]
    [InlineData(-0.25f, "a negative value (-0.25)")]
    [InlineData(float.NaN, "NaN (NaN)")]
    [InlineData(float.PositiveInfinity, "an infinite value (Infinity)")]
    [InlineData(float.NegativeInfinity, "an infinite value (-Infinity)")]
    public void Constructor_InvalidValue_ThrowsNamingRowColumnAndValue(float bad, string what)
    {
        var values = Enumerable.Repeat(1f, 12).ToArray();
        values[1 * 4 + 3] = bad;
        var act = () => new DenseMatrix(3, 4, values);
        act.Should().Throw<ArgumentException>()
            .WithMessage($"The matrix has {what} at row 1, column 3; NMF needs finite, non-negative input.*")
            .Which.ParamName.Should().Be("values");
    }

    [Fact]
    public void Constructor_LengthMismatch_ThrowsWithBothCounts()
    {
        var act = () => new DenseMatrix(2, 3, new float[5]);
        act.Should().Throw<ArgumentException>().WithMessage("A 2 x 3 matrix needs 6 values but 5 were given.*");
    }

    [Theory]
    [InlineData(0, 3, "rows")]
    [InlineData(2, 0, "columns")]
    public void Constructor_EmptyDimension_ThrowsNamingIt(int rows, int columns, string name)
    {
        var act = () => new DenseMatrix(rows, columns, Array.Empty<float>());
        act.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be(name);
    }

    [Fact]
    public void Indexer_Row_And_Transpose_FollowRowMajorLayout()
    {
        var m = new DenseMatrix(2, 3, new[] { 1f, 2f, 3f, 4f, 5f, 6f });
        m[1, 0].Should().Be(4f);
        m.Row(1).ToArray().Should().Equal(4f, 5f, 6f);
        var t = m.Transpose();
        (t.Rows, t.Columns).Should().Be((3, 2));
        t.Values.ToArray().Should().Equal(1f, 4f, 2f, 5f, 3f, 6f);
    }

    [Theory]
    [InlineData(0, 3, "column", "Column 3 is outside [0, 3): the matrix has 3 columns.*")]
    [InlineData(0, -1, "column", "Column -1 is outside [0, 3): the matrix has 3 columns.*")]
    [InlineData(2, 0, "row", "Row 2 is outside [0, 2): the matrix has 2 rows.*")]
    [InlineData(-1, 2, "row", "Row -1 is outside [0, 2): the matrix has 2 rows.*")]
    public void Indexer_OutsideTheMatrix_ThrowsNamingTheIndex(int row, int column, string name, string message)
    {
        // m[0, 3] of a 2 x 3 matrix read the flat array at 3 and returned m[1, 0] (4) instead of an error.
        var m = new DenseMatrix(2, 3, new[] { 1f, 2f, 3f, 4f, 5f, 6f });

        var act = () => m[row, column];

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage(message).Which.ParamName.Should().Be(name);
    }

    [Fact]
    public void Row_OutsideTheMatrix_ThrowsNamingTheRow()
    {
        var m = new DenseMatrix(2, 3, new[] { 1f, 2f, 3f, 4f, 5f, 6f });

        var act = () => m.Row(2).ToArray();

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("Row 2 is outside [0, 2): the matrix has 2 rows.*").Which.ParamName.Should().Be("row");
    }

    [Fact]
    public void Transpose_OfALargeMatrix_CrossesTheCacheBlocks()
    {
        var (dense, _) = TestData.Random(150, 70, 0.5, seed: 2);
        var t = dense.Transpose();
        for (int i = 0; i < 150; i++)
            for (int j = 0; j < 70; j++)
                t[j, i].Should().Be(dense[i, j]);
    }

    [Fact]
    public void ToCsr_DropsZeros_AndRoundTrips()
    {
        var m = new DenseMatrix(3, 4, new[] { 0f, 1f, 0f, 2f, 0f, 0f, 0f, 0f, 3f, 0f, 0f, 4f });
        var csr = m.ToCsr();
        csr.NonZeroCount.Should().Be(4);
        csr.RowPointers.ToArray().Should().Equal(0, 2, 2, 4);
        csr.ColumnIndices.ToArray().Should().Equal(1, 3, 0, 3);
        csr.Values.ToArray().Should().Equal(1f, 2f, 3f, 4f);
        csr.ToDense().Values.ToArray().Should().Equal(m.Values.ToArray());
    }
}
