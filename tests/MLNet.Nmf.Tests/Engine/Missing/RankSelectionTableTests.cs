using FluentAssertions;
using MLNet.Nmf.Engine.RankSelection;
using Xunit;

namespace MLNet.Nmf.Tests.Engine.Missing;

/// <summary><see cref="NmfRankSelectionResult.ToTable"/>: a fixed-width table whatever the figures' magnitudes.</summary>
public class RankSelectionTableTests
{
    [Fact]
    public void ToTable_SpreadsInExponentNotation_KeepTheColumnsAligned()
    {
        // A spread of 4.04E-05 is eight characters: in a seven-wide column it pushed the rest of its line one to the right.
        var result = new NmfRankSelectionResult(
        [
            new NmfRankScore(2, 0.5, 0.012, 0.4, 0.01, 0.98, 1.5),
            new NmfRankScore(3, 0.25, 4.04e-5, 0.2, 1.23e-7, 0.97, 2.25),
            new NmfRankScore(40, 0.3, 0, 0.1, 0, double.NaN, 12.5),
        ], holdOutFraction: 0.1, repeats: 2);

        var rows = result.ToTable().Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(2).Select(l => l.TrimEnd('\r')).ToArray();

        rows.Should().HaveCount(3);
        rows.Select(r => r.Length).Distinct().Should().ContainSingle("every row has the same width");
        foreach (char c in "()")
            rows.Select(r => string.Join(",", Enumerable.Range(0, r.Length).Where(i => r[i] == c))).Distinct()
                .Should().ContainSingle($"every '{c}' stands in the same column");
        rows[1].Should().Contain("(4.04E-05)");
    }
}
