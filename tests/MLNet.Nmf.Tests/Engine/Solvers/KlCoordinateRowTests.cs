using MLNet.Nmf.Engine.Solvers;

namespace MLNet.Nmf.Tests.Engine.Solvers;

/// <summary>
/// The engine's Kullback-Leibler coordinate sweep (reciprocals and ratios of the model kept in step with it, only the
/// gradient summed for a coordinate that stays at 0) against <see cref="KlCoordinateRowReference"/>, the code it
/// replaced, bit for bit: features, violation and change after every sweep, over odd ranks, rows of 0 to 40 entries,
/// components with zeros (coordinates that stay at 0, and columns that are zero over a whole row), L1 and L2
/// penalties and the fit's, the projection's and a tight Newton tolerance.
/// </summary>
public unsafe class KlCoordinateRowTests
{
    public static IEnumerable<object[]> Cases() =>
        from k in new[] { 1, 3, 10, 13 }
        from penalty in new[] { (0.0, 0.0), (0.05, 0.0), (0.0, 0.3), (0.02, 0.1) }
        from newton in new[] { 1e-6, 1e-3, 0.1 }
        select new object[] { k, penalty.Item1, penalty.Item2, newton };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Sweep_GivesTheBitsOfTheCodeItReplaced(int k, double l1, double l2, double newtonTolerance)
    {
        const int n = 60;
        var random = new Random(k * 1000 + (int)(l1 * 100) + (int)(l2 * 10) + (int)(-Math.Log10(newtonTolerance)));
        var b = new float[n * k]; // Hᵀ, n x k: half of it zero
        for (int i = 0; i < b.Length; i++)
            b[i] = random.NextDouble() < 0.5 ? 0f : (float)random.NextDouble();
        var columnSums = new double[k];
        for (int j = 0; j < n; j++)
            for (int t = 0; t < k; t++)
                columnSums[t] += b[j * k + t];
        var kernel = new KlRow();
        for (int count = 0; count <= 40; count++)
        {
            var indices = Enumerable.Range(0, n).OrderBy(_ => random.Next()).Take(count).Order().ToArray();
            var values = indices.Select(_ => (float)(random.NextDouble() * 3)).ToArray();
            var start = Enumerable.Range(0, k).Select(_ => random.NextDouble() < 0.3 ? 0f : (float)random.NextDouble()).ToArray();
            var expected = start.ToArray();
            var actual = start.ToArray();
            var reference = KlCoordinateRowReference.Gather(expected, indices, values, b, k);
            fixed (float* pa = actual, pb = b, pv = values)
            fixed (int* pi = indices)
            fixed (double* ps = columnSums)
            {
                KlCoordinateRow.Gather(kernel, pa, pi, pv, count, pb, k);
                var order = Enumerable.Range(0, k).ToArray();
                for (int sweep = 0; sweep < 6; sweep++)
                {
                    double expectedChange = 0, actualChange = 0;
                    double expectedViolation = reference.Sweep(expected, k, columnSums, l1, l2, newtonTolerance, ref expectedChange);
                    double actualViolation = KlCoordinateRow.Sweep(kernel, pa, k, ps, l1, l2, order, newtonTolerance, ref actualChange);
                    var because = $"count {count}, sweep {sweep}";
                    actual.Select(BitConverter.SingleToInt32Bits).Should().Equal(expected.Select(BitConverter.SingleToInt32Bits), because);
                    BitConverter.DoubleToInt64Bits(actualViolation).Should().Be(BitConverter.DoubleToInt64Bits(expectedViolation), because);
                    BitConverter.DoubleToInt64Bits(actualChange).Should().Be(BitConverter.DoubleToInt64Bits(expectedChange), because);
                }
                new Span<float>(kernel.Model, kernel.Padded).ToArray().Select(BitConverter.SingleToInt32Bits)
                    .Should().Equal(reference.Model.Select(BitConverter.SingleToInt32Bits), $"the model values of a row of {count}");
            }
        }
    }
}
