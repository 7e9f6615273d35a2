using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Nmf.Engine.Matrices;

namespace MLNet.Nmf.Orleans.Data;

/// <summary>
/// Reads one shard (an ML.NET binary IDV) into CSR and checks it on the way: the file exists and is an IDV,
/// the column is a known-size vector of Single of the manifest's size, the row count is the manifest's, and
/// every value is finite and non-negative. Every error names the shard, its file, and the row and slot.
/// </summary>
internal static class ShardReader
{
    public static CsrMatrix Read(ShardManifest manifest, string manifestPath, int index)
    {
        string path = manifest.ShardPath(manifestPath, index);
        string shard = $"Shard {index} ('{path}')";
        if (!File.Exists(path))
            throw new NmfShardException($"{shard} is missing: no such file. Every silo must be able to read every shard (put them in a shared folder or storage).");
        var ml = new MLContext(seed: 0);
        IDataView data;
        // Opened here and closed on the way out whatever happens: ML.NET's loader, failing on a damaged file, left its
        // stream to the GC, and the file stayed locked against the very rewrite the error asks for.
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            data = ml.Data.LoadFromBinary(new OneFile(path, file));
            _ = data.Schema.Count;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new NmfShardException($"{shard} cannot be read as an ML.NET binary IDV: {e.Message} Write the shards and the manifest again with `split` (NmfShards.Split).", e);
        }
        // The loader holds the file open until disposed: left to the GC, the silo kept every shard it read open (and
        // locked against being written again, by split or by hand) long after the fit.
        using var loader = data as IDisposable;
        DataViewSchema.Column column = data.Schema.GetColumnOrNull(manifest.Column)
            ?? throw new NmfShardException($"{shard} has no column '{manifest.Column}'; the manifest names that column.");
        if (column.Type is not VectorDataViewType { IsKnownSize: true } vector || !vector.ItemType.Equals(NumberDataViewType.Single))
            throw new NmfShardException($"{shard}: column '{manifest.Column}' is {column.Type}; expected a known-size vector of Single.");
        if (vector.Size != manifest.FeatureCount)
            throw new NmfShardException(Invariant($"{shard} has vectors of {vector.Size} slots in column '{manifest.Column}', but the manifest (and the other shards) have {manifest.FeatureCount}; all shards must come from one featurization."));
        if (index > 0)
            CheckSlotNames(manifest, manifestPath, index, shard, SlotNamesOf(column, manifest.FeatureCount));

        long firstRow = manifest.FirstRow(index);
        var pointers = new List<int> { 0 };
        var indices = new List<int>();
        var values = new List<float>();
        long row = 0;
        try
        {
            using var cursor = data.GetRowCursor(new[] { column });
            var getter = cursor.GetGetter<VBuffer<float>>(column);
            var buffer = default(VBuffer<float>);
            while (cursor.MoveNext())
            {
                getter(ref buffer);
                var v = buffer.GetValues();
                var idx = buffer.IsDense ? default : buffer.GetIndices();
                for (int p = 0; p < v.Length; p++)
                {
                    int slot = buffer.IsDense ? p : idx[p];
                    float value = v[p];
                    if (!(value >= 0f) || value == float.PositiveInfinity)
                        throw new NmfShardException(Invariant(
                            $"{shard} has {Describe(value)} ({value}) at row {row} of the shard (row {firstRow + row} overall), slot {slot} of column '{manifest.Column}'; NMF needs finite, non-negative input. Clean, clip or shift the values before splitting."));
                    if (value != 0f)
                    {
                        indices.Add(slot);
                        values.Add(value);
                    }
                }
                if (indices.Count == int.MaxValue)
                    throw new NmfShardException($"{shard} has more than {int.MaxValue} non-zero values; split it into more shards.");
                pointers.Add(indices.Count);
                row++;
            }
        }
        catch (Exception e) when (e is not NmfShardException and not OutOfMemoryException)
        {
            throw new NmfShardException(Invariant($"{shard} cannot be read at row {row}: {e.Message}"), e);
        }
        if (row != manifest.Shards[index].Rows)
            throw new NmfShardException(Invariant($"{shard} has {row} rows but the manifest says {manifest.Shards[index].Rows}; rewrite the shards and the manifest together."));
        return new CsrMatrix((int)row, manifest.FeatureCount, pointers.ToArray(), indices.ToArray(), values.ToArray());
    }

    /// <summary>The column's slot names in shard <paramref name="index"/> (FeaturizeText's terms), or null.</summary>
    public static string[]? SlotNames(ShardManifest manifest, string manifestPath, int index)
    {
        var data = new MLContext(seed: 0).Data.LoadFromBinary(manifest.ShardPath(manifestPath, index));
        using var loader = data as IDisposable;
        return SlotNamesOf(data.Schema[manifest.Column], manifest.FeatureCount);
    }

    private static string[]? SlotNamesOf(DataViewSchema.Column column, int size)
    {
        if (column.Annotations.Schema.GetColumnOrNull("SlotNames") is not { } slots
            || slots.Type is not VectorDataViewType { ItemType: TextDataViewType } names0 || names0.Size != size)
            return null;
        var names = default(VBuffer<ReadOnlyMemory<char>>);
        column.GetSlotNames(ref names);
        return names.DenseValues().Select(n => n.ToString()).ToArray();
    }

    /// <summary>
    /// Refuses a shard whose slot names (FeaturizeText's terms) are not shard 0's: of another featurization with as many
    /// terms, it was fitted as if its slots meant shard 0's (the model names them by shard 0).
    /// </summary>
    private static void CheckSlotNames(ShardManifest manifest, string manifestPath, int index, string shard, string[]? own)
    {
        string[]? first;
        try
        {
            first = SlotNames(manifest, manifestPath, 0);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return; // shard 0's own reading reports what is wrong with it
        }
        if (first is null && own is null)
            return;
        string other = $"shard 0 ('{manifest.ShardPath(manifestPath, 0)}')";
        const string WhatToDo = "all shards must come from one featurization: write them again with one `split` (NmfShards.Split).";
        if (first is null || own is null)
            throw new NmfShardException($"{shard} {(own is null ? "has no slot names" : "has slot names")} in column '{manifest.Column}' but {other} {(first is null ? "has none" : "has")}; {WhatToDo}");
        for (int j = 0; j < own.Length; j++)
            if (!string.Equals(own[j], first[j], StringComparison.Ordinal))
                throw new NmfShardException(Invariant($"{shard} has other slot names in column '{manifest.Column}' than {other}: slot {j} is '{own[j]}' here and '{first[j]}' there; {WhatToDo}"));
    }

    /// <summary>One open file as ML.NET's stream source (the loader reads it through this stream only).</summary>
    private sealed class OneFile(string path, Stream stream) : IMultiStreamSource
    {
        public int Count => 1;
        public string GetPathOrNull(int index) => path;
        public Stream Open(int index) => stream;
        public TextReader OpenTextReader(int index) => new StreamReader(stream);
    }

    private static string Describe(float value) =>
        float.IsNaN(value) ? "NaN" : float.IsInfinity(value) ? "an infinite value" : "a negative value";

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
