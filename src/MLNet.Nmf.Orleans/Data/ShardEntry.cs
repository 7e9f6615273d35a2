namespace MLNet.Nmf.Orleans.Data;

/// <summary>One shard of a <see cref="ShardManifest"/>.</summary>
/// <param name="Path">The file (ML.NET binary IDV), relative to the manifest's folder or absolute.</param>
/// <param name="Rows">Its number of rows.</param>
public sealed record ShardEntry(string Path, long Rows);
