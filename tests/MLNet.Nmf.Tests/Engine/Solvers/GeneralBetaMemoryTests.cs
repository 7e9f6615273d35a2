using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Matrices;

namespace MLNet.Nmf.Tests.Engine.Solvers;

/// <summary>
/// General-β multiplicative updates form every entry of WH, a row at a time. On wide sparse text they used to
/// allocate a fresh dense row per block (hundreds of MB of large-object garbage per iteration: 4 GB RSS on
/// 3,000 x 133,863); now each thread reuses one row, the cost is logged before starting, and a fit that cannot
/// be held is refused (see RankAndMemoryLimitTests).
/// </summary>
public class GeneralBetaMemoryTests
{
    /// <summary>150 x 8,000, 12 stored values a row: wide and sparse like tf-idf.</summary>
    private static CsrMatrix WideSparse()
    {
        var random = new Random(3);
        var ptr = new List<int> { 0 };
        var idx = new List<int>();
        var val = new List<float>();
        for (int i = 0; i < 150; i++)
        {
            foreach (int j in Enumerable.Range(0, 12).Select(_ => random.Next(8_000)).Distinct().Order())
            {
                idx.Add(j);
                val.Add(0.1f + (float)random.NextDouble());
            }
            ptr.Add(idx.Count);
        }
        return new CsrMatrix(150, 8_000, ptr.ToArray(), idx.ToArray(), val.ToArray());
    }

    [Fact]
    public void HalfBeta_OnWideSparseData_AllocatesAboutItsFactors_AndLogsTheCostFirst()
    {
        var x = WideSparse();
        var log = new List<string>();
        var options = new NmfFitOptions
        {
            Rank = 5, Solver = NmfSolver.MultiplicativeUpdate, Loss = NmfLoss.Beta, Beta = 0.5, MaxIterations = 2, Tolerance = 0, ProjectionMaxIterations = 3,
            Initialization = NmfInitialization.Random, DegreeOfParallelism = 1, Log = log.Add,
        };
        NmfEngine.Fit(x, options); // warm-up: JIT and the per-thread rows
        log.Clear();
        long before = GC.GetAllocatedBytesForCurrentThread();
        var result = NmfEngine.Fit(x, options);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        result.Iterations.Should().Be(2);
        // The fit's own arrays: W and Hᵀ (8,150 x 5 floats, twice with the result's copies), the transposed data, the
        // projector: well under 1 MB. A dense 8,000-float row per block of rows and per projected row, as before,
        // added 150 x 32 KB for each of the 3 evaluations of the divergence and again for the projection: ~19 MB.
        allocated.Should().BeLessThan(6L << 20);
        log[0].Should().Contain("beta = 0.5 forms all 1.2E+06 entries of WH twice an iteration");
        log[0].Should().StartWith("NMF: starting rank 5 on 150 x 8000");
    }
}
