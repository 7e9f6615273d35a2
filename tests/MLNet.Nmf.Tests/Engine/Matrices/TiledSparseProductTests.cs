using MLNet.Nmf.Engine.Kernels;
using MLNet.Nmf.Engine.Matrices;

namespace MLNet.Nmf.Tests.Engine.Matrices;

/// <summary>
/// The cache-blocked sparse product (Xᵀ·W through the transpose) against the untiled kernel row by row and the scalar
/// reference: bit for bit, over odd sizes, tile and chunk heights, empty rows and thread counts.
/// </summary>
public unsafe class TiledSparseProductTests
{
    private const float Sentinel = -7.25f;

    [Fact]
    public void Multiply_EqualsUntiledAndScalarReferenceBitForBit_OverOddSizesTilesAndChunks()
    {
        var random = new Random(12);
        int cases = 0;
        foreach (int rows in new[] { 1, 7, 33 })
        foreach (int factorRows in new[] { 1, 5, 37, 100 })
        foreach (int k in new[] { 1, 3, 8, 13, 33, 50 })
        {
            var matrix = RandomSortedCsr(random, rows, factorRows);
            var factor = RandomFactor(random, factorRows, k);
            var untiled = Untiled(matrix, factor, k);
            var reference = ScalarReference(matrix, factor, k);
            untiled.Should().Equal(reference, "the vector kernel is the scalar FMA chain lane for lane");
            foreach (int tileRows in new[] { 1, 2, 7, factorRows, factorRows + 5 })
            foreach (int chunkRows in new[] { 1, 3, rows })
            foreach (int degree in new[] { 1, 2 })
            {
                var output = Enumerable.Repeat(float.NaN, rows * k + 1).ToArray(); // stale values must be overwritten
                output[rows * k] = Sentinel;
                TiledSparseProduct.Multiply(matrix, factor, k, output, degree, tileRows, chunkRows);
                output[rows * k].Should().Be(Sentinel, "the product writes rows × k floats and no more");
                BitsOf(output.AsSpan(0, rows * k)).Should().Equal(BitsOf(untiled),
                    $"{rows} × {factorRows}, k = {k}, tiles of {tileRows}, chunks of {chunkRows}, {degree} threads");
                cases++;
            }
        }
        cases.Should().Be(3 * 4 * 6 * 5 * 3 * 2);
    }

    [Fact]
    public void TransposedOperand_TilesAFactorAboveOneTile_AndKeepsTheUntiledBits()
    {
        // X: 70,000 × 60, 3 entries a row, so Xᵀ·W gathers from a 70,000 × 64 W (17.1 MiB: tiled, in three tiles).
        const int rows = 70_000, columns = 60, k = 64;
        var random = new Random(5);
        var x = RandomSortedCsr(random, rows, columns, perRow: 3);
        TiledSparseProduct.Worthwhile(rows, k).Should().BeTrue("the factor must be above the tiling threshold here");
        var operand = DataOperand.Create(x);
        var w = RandomFactor(random, rows, k);
        var output = new float[columns * k];
        operand.Transposed.Multiply(w, k, output, degree: 2);
        var transposed = x.Transpose();
        BitsOf(output).Should().Equal(BitsOf(Untiled(transposed, w, k)));
        output.Should().Contain(v => v != 0f, "the product is not trivially zero");
    }

    private static CsrMatrix RandomSortedCsr(Random random, int rows, int columns, int perRow = -1)
    {
        var pointers = new int[rows + 1];
        var indices = new List<int>();
        var values = new List<float>();
        for (int i = 0; i < rows; i++)
        {
            // Every third row empty (in the small cases); otherwise a random sorted subset of the columns.
            int count = perRow >= 0 ? perRow : (i % 3 == 1 ? 0 : random.Next(0, columns + 1));
            foreach (int j in Enumerable.Range(0, columns).OrderBy(_ => random.Next()).Take(count).OrderBy(j => j))
            {
                indices.Add(j);
                values.Add((float)(1 - random.NextDouble())); // data in (0, 1]; the factor is signed, so sums cancel
            }
            pointers[i + 1] = indices.Count;
        }
        return new CsrMatrix(rows, columns, pointers, indices.ToArray(), values.ToArray());
    }

    private static float[] RandomFactor(Random random, int rows, int k)
    {
        var factor = FactorLayout.Allocate(rows, k);
        for (int i = 0; i < rows * k; i++)
            factor[i] = (float)(2 * random.NextDouble() - 1);
        factor.AsSpan(rows * k).Fill(float.NaN); // padding may be read but must never reach an output
        return factor;
    }

    private static float[] Untiled(CsrMatrix matrix, float[] factor, int k)
    {
        var output = new float[matrix.Rows * k];
        fixed (int* pi = matrix.RawColumnIndices)
        fixed (float* pv = matrix.RawValues, pf = factor, po = output)
            for (int i = 0; i < matrix.Rows; i++)
            {
                int start = matrix.RawRowPointers[i];
                VectorKernels.SparseRowTimesFactor(pi + start, pv + start, matrix.RawRowPointers[i + 1] - start, pf, k, po + i * k);
            }
        return output;
    }

    private static float[] ScalarReference(CsrMatrix matrix, float[] factor, int k)
    {
        var output = new float[matrix.Rows * k];
        for (int i = 0; i < matrix.Rows; i++)
            ScalarKernels.SparseRowTimesFactor(matrix.RowIndices(i), matrix.RowValues(i), factor, k, output.AsSpan(i * k, k));
        return output;
    }

    private static int[] BitsOf(ReadOnlySpan<float> values)
    {
        var bits = new int[values.Length];
        for (int i = 0; i < values.Length; i++)
            bits[i] = BitConverter.SingleToInt32Bits(values[i]);
        return bits;
    }
}
