using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Nmf;

/// <summary>
/// A streamed fit with a CheckpointDirectory in its own process, for the test that a directory held by a fit in one
/// process is refused to a fit in another: exit code 0 with "fitted" when it ran, 3 with the refusal's message when it
/// was refused.
/// </summary>
internal static class StreamCheckpoint
{
    private sealed class Row
    {
        [VectorType(4)] public float[] Values { get; set; } = Array.Empty<float>();
    }

    public static int Run(string directory)
    {
        var ml = new MLContext(seed: 1);
        var rows = Enumerable.Range(0, 40).Select(i => new Row { Values = new[] { 1f + i % 7, 0.5f * (i % 3), 2f + i % 5, 1f } });
        try
        {
            var model = ml.Transforms.NonNegativeMatrixFactorization(new NmfOptions
            {
                OutputColumnName = "Topics", InputColumnName = "Values", Rank = 2, Seed = 5, FitMode = NmfFitMode.Streamed, BlockSize = 10,
                MaximumIterations = 3, Tolerance = 0, MaximumPasses = 4, CheckpointDirectory = directory,
            }).Fit(ml.Data.LoadFromEnumerable(rows));
            Console.WriteLine($"fitted: {model.Model.Iterations} iterations");
            return 0;
        }
        catch (InvalidOperationException e)
        {
            Console.WriteLine(e.Message);
            return 3;
        }
    }
}
