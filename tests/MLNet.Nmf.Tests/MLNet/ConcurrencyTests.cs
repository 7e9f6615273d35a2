using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.Nmf.Tests.MLNet;

public class ConcurrencyTests
{
    [Fact]
    public void PredictionEngines_OnSeveralThreads_AgreeWithTransform()
    {
        var ml = new MLContext(seed: 1);
        var data = TextFixture.Load(ml);
        var model = TextFixture.Featurize(ml).Append(ml.Transforms.NonNegativeMatrixFactorization("Topics", "Features", rank: 8)).Fit(data);
        var expected = model.Transform(data).GetColumn<VBuffer<float>>("Topics").Select(v => v.DenseValues().ToArray()).ToArray();
        var rows = ml.Data.CreateEnumerable<TextFixture.Row>(data, reuseRowObject: false).ToArray();

        var mismatches = 0;
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, worker =>
        {
            var engine = ml.Model.CreatePredictionEngine<TextFixture.Row, TextFixture.TopicsRow>(model); // one per thread
            for (int pass = 0; pass < 3; pass++)
                for (int i = worker; i < rows.Length; i += 2)
                    if (!engine.Predict(rows[i]).Topics.SequenceEqual(expected[i]))
                        Interlocked.Increment(ref mismatches);
        });
        mismatches.Should().Be(0);
    }
}
