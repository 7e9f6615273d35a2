using MLNet.Nmf.Engine.Kernels;

namespace MLNet.Nmf.Tests.Engine.Kernels;

/// <summary>
/// <see cref="DenseKernels.RowsTimesFactor"/> (8- and 4-row register tiles) against the one-row kernel it must reproduce bit
/// for bit, <see cref="VectorKernels.SparseRowTimesFactor"/> over every column, and against the scalar reference, for
/// odd row counts (partial tiles), ranks across the 8/16/24/32-column tile widths and beyond, and odd widths.
/// </summary>
public unsafe class DenseKernelsTests
{
    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 5, 3)]
    [InlineData(4, 17, 8)]
    [InlineData(7, 9, 10)]
    [InlineData(9, 33, 20)]
    [InlineData(5, 16, 24)]
    [InlineData(6, 31, 32)]
    [InlineData(11, 13, 45)]
    [InlineData(8, 7, 100)]
    [InlineData(17, 29, 20)]   // two 8-row tiles, one left over
    [InlineData(16, 5, 23)]
    [InlineData(21, 11, 49)]   // 8-row tiles across 24-column chunks, then a 4-row tile and one row
    [InlineData(13, 3, 1)]
    public void RowsTimesFactor_EqualsTheOneRowKernelBitForBit(int rows, int columns, int k)
    {
        var random = new Random(rows * 1000 + columns * 10 + k);
        var m = Enumerable.Range(0, rows * columns).Select(_ => (float)random.NextDouble()).ToArray();
        var factor = Enumerable.Range(0, columns * k + FactorLayout.Padding).Select(_ => (float)(2 * random.NextDouble() - 1)).ToArray();
        var all = Enumerable.Range(0, columns).ToArray();
        var expected = new float[rows * k];
        var actual = new float[rows * k + 1];
        actual[^1] = -7.25f; // a sentinel past the output
        fixed (float* pm = m, pf = factor, pe = expected, pa = actual)
        fixed (int* pi = all)
        {
            for (int r = 0; r < rows; r++)
                VectorKernels.SparseRowTimesFactor(pi, pm + r * columns, columns, pf, k, pe + r * k);
            DenseKernels.RowsTimesFactor(pm, rows, columns, pf, k, pa);
        }
        actual[..^1].Select(BitConverter.SingleToInt32Bits).Should().Equal(expected.Select(BitConverter.SingleToInt32Bits));
        actual[^1].Should().Be(-7.25f, "nothing is written past the output");

        var scalar = new float[k];
        ScalarKernels.SparseRowTimesFactor(all, m.AsSpan(0, columns), factor, k, scalar);
        actual[..k].Should().Equal(scalar, "the first row is the scalar reference's (one FMA per term, in column order)");
    }
}
