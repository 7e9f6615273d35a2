using MLNet.Nmf.Engine.Matrices;

namespace MLNet.Nmf.Tests.Engine.Matrices;

public class MatrixChecksTests
{
    [Fact]
    public void FirstNotFiniteNonNegative_FindsTheFirstBadValueAtEveryPositionOfEveryLength()
    {
        // Eight at a time, then one by one: a bad value in the vector part or the tail is found at its own index, the
        // first of two is the one named, and a clean span (lengths 0 to 40) gives -1.
        foreach (float bad in new[] { float.NaN, -1f, float.PositiveInfinity, float.NegativeInfinity, -0.0f - float.Epsilon })
        {
            for (int length = 0; length <= 40; length++)
            {
                var values = Enumerable.Range(0, length).Select(i => (float)i).ToArray(); // 0 included: zeros are valid
                MatrixChecks.FirstNotFiniteNonNegative(values).Should().Be(-1);
                for (int position = 0; position < length; position++)
                {
                    var broken = (float[])values.Clone();
                    broken[position] = bad;
                    if (position + 3 < length)
                        broken[position + 3] = bad;
                    MatrixChecks.FirstNotFiniteNonNegative(broken).Should().Be(position, $"value {bad}, length {length}");
                }
            }
        }
    }
}
