using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Nmf;

/// <summary>
/// The bounded-memory check, run in a process whose GC heap is capped (DOTNET_GCHeapHardLimit) below the size
/// of the data's in-memory copy: a lazy IDataView of many generated rows (never stored) is fitted with
/// FitMode Auto, which must choose to stream, and the model must come out usable.
/// </summary>
internal static class BoundedStream
{
    private sealed class Row
    {
        public VBuffer<float> Features;
    }

    public static int Run(int rows, int columns, int perRow)
    {
        var ml = new MLContext(seed: 1);
        var log = new List<string>();
        ml.Log += (_, e) =>
        {
            if (e.Message.Contains("NMF", StringComparison.Ordinal) && e.Kind != Microsoft.ML.Runtime.ChannelMessageKind.Trace)
                lock (log) log.Add(e.Message);
        };
        var definition = SchemaDefinition.Create(typeof(Row));
        definition[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, columns);
        var data = ml.Data.LoadFromEnumerable(Generate(rows, columns, perRow), definition);

        var model = ml.Transforms.NonNegativeMatrixFactorization(new NmfOptions
        {
            OutputColumnName = "Topics", InputColumnName = nameof(Row.Features), Rank = 8, MaximumPasses = 3,
        }).Fit(data);

        var topics = model.Transform(ml.Data.LoadFromEnumerable(Generate(100, columns, perRow), definition))
            .GetColumn<VBuffer<float>>("Topics").ToArray();
        foreach (var line in log)
            Console.WriteLine(line);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"heap limit {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes} bytes; iterations {model.Model.Iterations}; relative error {model.Model.ReconstructionError:F4}; topics of 100 rows: {topics.Length}; any positive: {topics.Any(t => t.DenseValues().Any(v => v > 0))}"));
        return 0;
    }

    /// <summary>Rows made on demand: <paramref name="perRow"/> positive values at pseudo-random slots, from the row index alone.</summary>
    private static IEnumerable<Row> Generate(int rows, int columns, int perRow)
    {
        for (int i = 0; i < rows; i++)
        {
            var random = new Random(i);
            var indices = new SortedSet<int>();
            while (indices.Count < perRow)
                indices.Add(random.Next(columns));
            var idx = indices.ToArray();
            var values = new float[perRow];
            for (int p = 0; p < perRow; p++)
                values[p] = 0.1f + (float)random.NextDouble();
            yield return new Row { Features = new VBuffer<float>(columns, perRow, values, idx) };
        }
    }
}
