using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.Nmf.Orleans.Data;

/// <summary>Splits an <see cref="IDataView"/> into shards for a cluster fit.</summary>
public static class NmfShards
{
    /// <summary>
    /// Writes <paramref name="shardCount"/> ML.NET binary IDVs (<c>shard-000.idv</c>, ...) of consecutive rows of
    /// <paramref name="data"/>'s <paramref name="column"/> (a known-size vector of Single, with its slot names) and
    /// the manifest <c>shards.json</c> into <paramref name="directory"/>. The data is read once into an in-memory cache
    /// (so an upstream FeaturizeText runs once), its values checked on the way, then each shard is a row range of it.
    /// </summary>
    /// <returns>The manifest, also written to <c>directory/shards.json</c>.</returns>
    /// <exception cref="ArgumentException">The column is missing or not a known-size vector of Single, holds a negative,
    /// NaN or infinite value (named by row and slot; nothing is written), or there are fewer rows than shards.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="shardCount"/> is below 1.</exception>
    public static ShardManifest Split(MLContext mlContext, IDataView data, string column, int shardCount, string directory)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentException.ThrowIfNullOrWhiteSpace(column);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentOutOfRangeException.ThrowIfLessThan(shardCount, 1);
        var col = data.Schema.GetColumnOrNull(column)
            ?? throw new ArgumentException($"The data has no column '{column}'.", nameof(column));
        if (col.Type is not VectorDataViewType { IsKnownSize: true } vector || !vector.ItemType.Equals(NumberDataViewType.Single))
            throw new ArgumentException($"Column '{column}' is {col.Type}; expected a known-size vector of Single.", nameof(column));

        var selected = mlContext.Transforms.SelectColumns(column).Fit(data).Transform(data);
        var cached = mlContext.Data.Cache(selected);
        long rows = 0;
        using (var cursor = cached.GetRowCursor(cached.Schema))
        {
            // The values are checked here, before any file is written: a shard of bad values was written and only refused
            // by the fit, on the cluster.
            var getter = cursor.GetGetter<VBuffer<float>>(cached.Schema[column]);
            var buffer = default(VBuffer<float>);
            while (cursor.MoveNext())
            {
                getter(ref buffer);
                var values = buffer.GetValues();
                for (int p = 0; p < values.Length; p++)
                {
                    float value = values[p];
                    if (!(value >= 0f) || float.IsPositiveInfinity(value))
                        throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                            $"Column '{column}' has {(float.IsNaN(value) ? "NaN" : float.IsInfinity(value) ? "an infinite value" : "a negative value")} ({value}) at row {rows}, slot {(buffer.IsDense ? p : buffer.GetIndices()[p])}; NMF needs finite, non-negative input. Clean, clip or shift the values before splitting; no shard was written."),
                            nameof(data));
                }
                rows++;
            }
        }
        if (rows < shardCount)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The data has {rows} rows, fewer than the {shardCount} shards asked for."), nameof(shardCount));

        Directory.CreateDirectory(directory);
        var shards = new List<ShardEntry>(shardCount);
        for (int s = 0; s < shardCount; s++)
        {
            long start = rows * s / shardCount, end = rows * (s + 1) / shardCount;
            var part = mlContext.Data.TakeRows(start == 0 ? cached : mlContext.Data.SkipRows(cached, start), end - start);
            string name = string.Create(CultureInfo.InvariantCulture, $"shard-{s:D3}.idv");
            using (var stream = File.Create(Path.Combine(directory, name)))
                mlContext.Data.SaveAsBinary(part, stream, keepHidden: false);
            shards.Add(new ShardEntry(name, end - start));
        }
        var manifest = new ShardManifest { Column = column, FeatureCount = vector.Size, Shards = shards };
        manifest.Save(Path.Combine(directory, "shards.json"));
        return manifest;
    }
}
