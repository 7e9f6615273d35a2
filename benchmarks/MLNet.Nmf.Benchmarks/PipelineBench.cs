using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Nmf.Engine.Matrices;

namespace MLNet.Nmf.Benchmarks;

/// <summary>The same work through ML.NET: fit from an IDataView, and single-row PredictionEngine latency.</summary>
internal static class PipelineBench
{
    private sealed class Row
    {
        public VBuffer<float> Features;
    }

    private sealed class Output
    {
        public float[] Topics = Array.Empty<float>();
    }

    public static void Fit(BenchArgs a, INmfMatrix x, string dataset)
    {
        var ml = new MLContext(seed: a.Seed);
        var rows = ToRows(x);
        var definition = Definition(x.Columns);
        var estimator = ml.Transforms.NonNegativeMatrixFactorization(Options(a));
        estimator.Fit(ml.Data.LoadFromEnumerable(rows, definition)); // warm-up
        var seconds = new List<double>();
        NmfTransformer? model = null;
        double peak = 0, baseline = 0;
        for (int run = 0; run < a.Runs; run++)
        {
            Measure.ResetPeak();
            baseline = Math.Max(baseline, Measure.Memory().CurrentMb);
            seconds.Add(Measure.Time(() => model = estimator.Fit(ml.Data.LoadFromEnumerable(rows, definition))));
            peak = Math.Max(peak, Measure.Memory().PeakMb);
        }
        var (median, min, max) = Measure.Summarize(seconds);
        var record = EngineBench.Common(a, x, dataset, "fit-pipeline");
        record["iterations"] = model!.Model.Iterations;
        record["seconds_median"] = median;
        record["seconds_min"] = min;
        record["seconds_max"] = max;
        record["seconds_all"] = seconds;
        record["relative_error"] = model.Model.ReconstructionError;
        record["divergence"] = model.Model.Divergence;
        EngineBench.AddMemory(record, a, x, baseline, peak);
        Measure.Print(record);
    }

    public static void Predict(BenchArgs a, INmfMatrix x, string dataset)
    {
        var ml = new MLContext(seed: a.Seed);
        var rows = ToRows(x);
        var definition = Definition(x.Columns);
        var model = ml.Transforms.NonNegativeMatrixFactorization(Options(a)).Fit(ml.Data.LoadFromEnumerable(rows, definition));
        var engine = ml.Model.CreatePredictionEngine<Row, Output>(model, inputSchemaDefinition: definition);
        var output = new Output();
        int count = Math.Min(a.PredictRows, rows.Length);
        for (int i = 0; i < Math.Min(2000, count); i++)
            engine.Predict(rows[i], ref output); // warm-up
        var latencies = new double[count];
        for (int i = 0; i < count; i++)
        {
            long start = Stopwatch.GetTimestamp();
            engine.Predict(rows[i], ref output);
            latencies[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }
        Array.Sort(latencies);
        var record = EngineBench.Common(a, x, dataset, "predict");
        record["iterations"] = model.Model.Iterations;
        record["predictions"] = count;
        record["latency_us_median"] = latencies[count / 2];
        record["latency_us_p99"] = latencies[Math.Min(count - 1, (int)(0.99 * count))];
        record["latency_us_max"] = latencies[^1];
        Measure.Print(record);
    }

    private static NmfOptions Options(BenchArgs a) => new()
    {
        OutputColumnName = nameof(Output.Topics),
        InputColumnName = nameof(Row.Features),
        Rank = a.Rank,
        MaximumIterations = a.Iterations,
        Tolerance = a.Tolerance,
        Solver = a.Solver,
        Loss = a.Loss,
        Initialization = a.Init,
        Seed = a.Seed,
        DegreeOfParallelism = a.Threads,
        InnerIterations = a.Inner,
    };

    private static SchemaDefinition Definition(int columns)
    {
        var definition = SchemaDefinition.Create(typeof(Row));
        definition[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, columns);
        return definition;
    }

    private static Row[] ToRows(INmfMatrix x)
    {
        var rows = new Row[x.Rows];
        if (x is CsrMatrix csr)
        {
            for (int i = 0; i < rows.Length; i++)
            {
                var values = csr.RowValues(i).ToArray();
                var indices = csr.RowIndices(i).ToArray();
                rows[i] = new Row { Features = new VBuffer<float>(csr.Columns, values.Length, values, indices) };
            }
        }
        else
        {
            var dense = (DenseMatrix)x;
            for (int i = 0; i < rows.Length; i++)
                rows[i] = new Row { Features = new VBuffer<float>(dense.Columns, dense.Row(i).ToArray()) };
        }
        return rows;
    }
}
