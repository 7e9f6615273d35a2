using System.Text.Json;
using System.Text.Json.Serialization;

namespace MLNet.Nmf.Orleans.Data;

/// <summary>
/// The list of shards of a sharded data set (<c>shards.json</c>): files every silo can read (a shared folder
/// stands in for shared storage), each an ML.NET binary IDV (<c>mlContext.Data.SaveAsBinary</c>) holding
/// consecutive rows, with the same known-size vector of Single column. Written by <see cref="NmfShards.Split"/>.
/// </summary>
public sealed record ShardManifest
{
    /// <summary>The manifest format's version (1).</summary>
    public int Version { get; init; } = 1;

    /// <summary>The vector column every shard holds.</summary>
    public required string Column { get; init; }

    /// <summary>The column's vector size (the number of features n).</summary>
    public required int FeatureCount { get; init; }

    /// <summary>The shards in row order; paths are relative to the manifest's folder (or absolute).</summary>
    public required IReadOnlyList<ShardEntry> Shards { get; init; }

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Reads and checks a manifest.</summary>
    /// <exception cref="NmfShardException">The file is missing, is not a manifest, or lists no shard; the message names the file.</exception>
    public static ShardManifest Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
            throw new NmfShardException($"The shard manifest '{path}' does not exist; write one with `split` (NmfShards.Split).");
        ShardManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<ShardManifest>(File.ReadAllText(path), Json);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or IOException or UnauthorizedAccessException)
        {
            throw new NmfShardException($"The shard manifest '{path}' cannot be read: {e.Message}");
        }
        if (manifest is null || manifest.Shards is null || manifest.Shards.Count == 0)
            throw new NmfShardException($"The shard manifest '{path}' lists no shard.");
        if (manifest.Version != 1)
            throw new NmfShardException($"The shard manifest '{path}' has version {manifest.Version}; this library reads version 1.");
        if (string.IsNullOrWhiteSpace(manifest.Column))
            throw new NmfShardException($"The shard manifest '{path}' names no column.");
        if (manifest.FeatureCount < 1)
            throw new NmfShardException($"The shard manifest '{path}' declares {manifest.FeatureCount} features; expected at least 1.");
        for (int i = 0; i < manifest.Shards.Count; i++)
            CheckShard(manifest, path, i);
        return manifest;
    }

    /// <summary>One entry of <see cref="Shards"/>: a path and at least one row; the message names the shard and what to do.</summary>
    private static void CheckShard(ShardManifest manifest, string path, int index)
    {
        var shard = manifest.Shards[index];
        if (shard is null || string.IsNullOrWhiteSpace(shard.Path))
            throw new NmfShardException($"Shard {index} in the manifest '{path}' has no path; give the path of its .idv file (relative to the manifest's folder), or re-run `split` (NmfShards.Split) to write the shards and the manifest together.");
        if (shard.Rows < 1)
            throw new NmfShardException(FormattableString.Invariant(
                $"Shard {index} ('{manifest.ShardPath(path, index)}') in the manifest '{path}' has {shard.Rows} rows; every shard needs at least 1. Re-run `split` with fewer shards, or remove the shard from the manifest's shards if it really holds no rows."));
    }

    /// <summary>Writes the manifest as JSON.</summary>
    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, Json));

    /// <summary>The full path of shard <paramref name="index"/>, given the manifest's own path.</summary>
    public string ShardPath(string manifestPath, int index) =>
        System.IO.Path.GetFullPath(Shards[index].Path, System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(manifestPath))!);

    /// <summary>Index of the first row of shard <paramref name="index"/> in the whole data set.</summary>
    public long FirstRow(int index)
    {
        long first = 0;
        for (int i = 0; i < index; i++)
            first += Shards[i].Rows;
        return first;
    }
}
