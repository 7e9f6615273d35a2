using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.Solvers;
using MLNet.Nmf.Tests.Engine.Support;

namespace MLNet.Nmf.Tests.Engine.Projection;

/// <summary>
/// The largest value of a row or a matrix, which decides whether it is rescaled, found in the pass that checks the row
/// (the projector) or that gathers the data's statistics (<see cref="DataOperand"/>) instead of in a pass of its own: the
/// same value as <see cref="DataScale.Largest(ReadOnlySpan{float})"/>, so rows and fits are scaled as before, bit for bit.
/// </summary>
public class RowLargestTests
{
    private static float[] Values(int length, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => random.Next(6) switch
        {
            0 => 0f,
            1 => -0f,
            2 => (float)random.NextDouble() * 3e38f,
            3 => (float)random.NextDouble() * 1e-38f,
            _ => (float)random.NextDouble(),
        }).ToArray();
    }

    [Fact]
    public void CheckValues_ReturnsDataScaleLargest_ForEveryLengthFrom0To256()
    {
        // The SIMD pass (eight lanes, then a scalar tail) against the scalar fold, at every length and position of the maximum.
        var projector = NmfEngine.CreateProjector(new DenseMatrix(2, 3, [1f, 0f, 1f, 0f, 1f, 1f]), 2.0, new Penalty(0, 0));
        for (int length = 0; length <= 256; length++)
            for (int seed = 0; seed < 3; seed++)
            {
                var values = Values(length, 1000 * length + seed);
                float largest = projector.CheckValues(ReadOnlySpan<int>.Empty, values, "values");
                largest.Should().Be(DataScale.Largest(values), "length {0}, seed {1}", length, seed);
            }
    }

    [Theory]
    [InlineData(Storage.Dense)]
    [InlineData(Storage.Sparse)]
    public void DataOperand_MaxValue_IsDataScaleLargest(Storage storage)
    {
        foreach (var (rows, columns, seed) in new[] { (1, 1, 1), (7, 5, 2), (40, 33, 3) })
        {
            var values = Values(rows * columns, seed);
            var x = new DenseMatrix(rows, columns, values).In(storage);
            DataOperand.Create(x).MaxValue.Should().Be(DataScale.Largest(x), "{0} x {1}", rows, columns);
        }
        var zeros = new DenseMatrix(3, 4, new float[12]).In(storage);
        DataOperand.Create(zeros).MaxValue.Should().Be(0f);
    }
}
