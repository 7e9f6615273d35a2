using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Nmf.Engine.Matrices;

namespace MLNet.Nmf.Benchmarks;

/// <summary>
/// <c>stream-fit</c>: the streamed fit over the CSR's rows repeated <c>--replicate</c> times through a lazy
/// IDataView (rows are made as the cursor asks for them and never stored), then the relative error of the
/// resulting transformer's projection of the 1x rows. Progress goes to stderr; the last stdout line is JSON.
/// </summary>
internal static class StreamBench
{
    private sealed class Row
    {
        public VBuffer<float> Features;
    }

    public static void Fit(BenchArgs a, INmfMatrix x, string dataset)
    {
        var csr = x as CsrMatrix ?? ((DenseMatrix)x).ToCsr();
        var ml = new MLContext(seed: a.Seed);
        ml.Log += (_, e) =>
        {
            if (e.Message.Contains("NMF", StringComparison.Ordinal))
                Console.Error.WriteLine(e.Message);
        };
        long rowsMade = 0;
        IEnumerable<Row> Rows(int copies)
        {
            for (int copy = 0; copy < copies; copy++)
                for (int i = 0; i < csr.Rows; i++)
                {
                    rowsMade++;
                    var values = csr.RowValues(i).ToArray();
                    var indices = csr.RowIndices(i).ToArray();
                    yield return new Row { Features = new VBuffer<float>(csr.Columns, values.Length, values, indices) };
                }
        }
        var definition = SchemaDefinition.Create(typeof(Row));
        definition[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, csr.Columns);
        var options = new NmfOptions
        {
            OutputColumnName = "Topics",
            InputColumnName = nameof(Row.Features),
            Rank = a.Rank,
            MaximumIterations = a.Iterations,
            Tolerance = a.Tolerance,
            Seed = a.Seed,
            DegreeOfParallelism = a.Threads,
            InnerIterations = a.Inner,
            FitMode = NmfFitMode.Streamed,
            MaximumPasses = a.Passes ?? NmfOptions.Defaults.MaximumPasses,
            CheckpointDirectory = a.Checkpoint,
        };

        var seconds = new List<double>();
        NmfTransformer? model = null;
        long rowsRead = 0;
        for (int run = 0; run < a.Runs; run++)
        {
            Console.Error.WriteLine($"stream-fit: run {run + 1} of {a.Runs}, {a.Replicate} x {csr.Rows} rows");
            rowsMade = 0;
            var view = ml.Data.LoadFromEnumerable(Rows(a.Replicate), definition);
            seconds.Add(Measure.Time(() => model = ml.Transforms.NonNegativeMatrixFactorization(options).Fit(view)));
            rowsRead = rowsMade;
        }
        var clock = Stopwatch.StartNew();
        double relativeError = RelativeError(ml, model!, ml.Data.LoadFromEnumerable(Rows(1), definition), csr);
        Console.Error.WriteLine($"stream-fit: projected the 1x rows in {clock.Elapsed.TotalSeconds:F1} s");

        var (median, min, max) = Measure.Summarize(seconds);
        var record = EngineBench.Common(a, x, dataset, "stream-fit");
        record["init"] = "Auto (Random)";
        record["replicate"] = a.Replicate;
        record["stream_rows"] = (long)a.Replicate * csr.Rows;
        record["block_size"] = options.BlockSize;
        record["max_passes"] = options.MaximumPasses;
        record["checkpoint"] = a.Checkpoint is not null;
        record["passes"] = rowsRead / ((long)a.Replicate * csr.Rows);
        record["rows_read"] = rowsRead;
        record["iterations"] = model!.Model.Iterations;
        record["converged"] = model.Model.Converged;
        record["seconds_median"] = median;
        record["seconds_min"] = min;
        record["seconds_max"] = max;
        record["seconds_all"] = seconds;
        record["seconds_per_pass"] = median / (rowsRead / ((double)a.Replicate * csr.Rows));
        record["relative_error"] = relativeError;
        record["relative_error_monitor"] = model.Model.ReconstructionError;
        record["peak_working_set_bytes"] = (long)(Measure.Memory().PeakMb * 1048576);
        Measure.Print(record);
    }

    /// <summary>‖X − WH‖_F / ‖X‖_F over the 1x rows, W being the transformer's output, in double.</summary>
    private static double RelativeError(MLContext ml, NmfTransformer model, IDataView rows, CsrMatrix x)
    {
        int k = model.Model.Rank, n = x.Columns;
        var h = model.Model.Components.Span;
        var gram = new double[k * k];
        for (int s = 0; s < k; s++)
            for (int t = 0; t < k; t++)
            {
                double g = 0;
                for (int j = 0; j < n; j++)
                    g += (double)h[s * n + j] * h[t * n + j];
                gram[s * k + t] = g;
            }
        double error = 0, norm = 0;
        int i = 0;
        foreach (var w in model.Transform(rows).GetColumn<VBuffer<float>>("Topics"))
        {
            var wv = w.DenseValues().ToArray();
            var idx = x.RowIndices(i);
            var val = x.RowValues(i);
            double cross = 0, model2 = 0;
            for (int p = 0; p < idx.Length; p++)
            {
                double y = 0;
                for (int t = 0; t < k; t++)
                    y += (double)wv[t] * h[t * n + idx[p]];
                cross += val[p] * y;
                norm += (double)val[p] * val[p];
                error += (double)val[p] * val[p];
            }
            for (int s = 0; s < k; s++)
                for (int t = 0; t < k; t++)
                    model2 += wv[s] * gram[s * k + t] * wv[t];
            error += model2 - 2 * cross;
            i++;
        }
        return Math.Sqrt(Math.Max(error, 0) / norm);
    }
}
