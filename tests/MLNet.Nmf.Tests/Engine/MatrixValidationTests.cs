using MLNet.Nmf.Engine.Matrices;

namespace MLNet.Nmf.Tests.Engine;

public class MatrixValidationTests
{
    [Theory]
    [InlineData(-0.25f, "a negative value (-0.25)")]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "an infinite value")]
    public void DenseMatrix_InvalidValue_ThrowsWithRowColumnAndValue(float bad, string what)
    {
        var values = new float[12];
        values[1 * 4 + 3] = bad;
        var act = () => new DenseMatrix(3, 4, values);
        act.Should().Throw<ArgumentException>().WithMessage($"*{what}*row 1, column 3*non-negative*");
    }

    [Theory]
    [InlineData(-2f, "a negative value (-2)")]
    [InlineData(float.NaN, "NaN")]
    public void CsrMatrix_InvalidValue_ThrowsWithRowColumnAndValue(float bad, string what)
    {
        var act = () => new CsrMatrix(2, 5, new[] { 0, 1, 3 }, new[] { 0, 1, 4 }, new[] { 1f, 2f, bad });
        act.Should().Throw<ArgumentException>().WithMessage($"*{what}*row 1, column 4*");
    }

    [Fact]
    public void CsrMatrix_UnsortedIndices_ThrowsNamingTheRow()
    {
        var act = () => new CsrMatrix(2, 5, new[] { 0, 1, 3 }, new[] { 0, 4, 1 }, new[] { 1f, 2f, 3f });
        act.Should().Throw<ArgumentException>().WithMessage("*Row 1*out of order*");
    }

    [Fact]
    public void CsrMatrix_IndexOutOfRange_Throws()
    {
        var act = () => new CsrMatrix(1, 3, new[] { 0, 1 }, new[] { 3 }, new[] { 1f });
        act.Should().Throw<ArgumentException>().WithMessage("*column index 3, outside [0, 3)*");
    }

    [Fact]
    public void CsrMatrix_BadRowPointers_Throws()
    {
        var act = () => new CsrMatrix(2, 3, new[] { 0, 1, 2 }, new[] { 0 }, new[] { 1f });
        act.Should().Throw<ArgumentException>().WithMessage("*RowPointers[2] = 2 stored values, but ColumnIndices has 1*");
        var decreasing = () => new CsrMatrix(2, 3, new[] { 0, 2, 1 }, new[] { 0 }, new[] { 1f });
        decreasing.Should().Throw<ArgumentException>().WithMessage("*non-decreasing*");
    }

    [Fact]
    public void DenseMatrix_LengthMismatch_Throws()
    {
        var act = () => new DenseMatrix(2, 3, new float[5]);
        act.Should().Throw<ArgumentException>().WithMessage("*2 x 3 matrix needs 6 values but 5*");
    }

    [Fact]
    public void CsrTranspose_ThenDense_EqualsDenseTranspose()
    {
        var (dense, sparse) = TestData.Random(17, 9, 0.3, seed: 3);
        sparse.Transpose().ToDense().Values.ToArray().Should().Equal(dense.Transpose().Values.ToArray());
    }
}
