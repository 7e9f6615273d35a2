using Microsoft.ML;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Orleans.Client;
using MLNet.Nmf.Orleans.Data;

namespace MLNet.Nmf.Orleans.Model;

/// <summary>
/// Writes a cluster fit's components as the ordinary <see cref="NmfTransformer"/> in an ML.NET model zip, loadable
/// with <c>mlContext.Model.Load</c> in any process without Orleans. Written to a temporary file and renamed, so a
/// reader never sees a partial model.
/// </summary>
internal static class ClusterModelWriter
{
    public static void Write(NmfClusterFitRequest request, ShardManifest manifest, DenseMatrix components,
        int iterations, bool converged, IReadOnlyList<double> lossHistory, double relativeError, double divergence)
    {
        var ml = new MLContext(seed: request.Seed);
        var slotNames = ShardReader.SlotNames(manifest, request.ManifestPath, 0);
        var transformer = NmfTransformer.FromComponents(ml, request.OutputColumnName, manifest.Column, components,
            request.ToOptions(), iterations, converged, lossHistory, relativeError, divergence, slotNames);
        var shard = ml.Data.LoadFromBinary(manifest.ShardPath(request.ManifestPath, 0));
        using var loader = shard as IDisposable; // or the file stays open
        var schema = shard.Schema;
        string full = Path.GetFullPath(request.ModelPath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temporary = full + ".partial";
        ml.Model.Save(transformer, schema, temporary);
        File.Move(temporary, full, overwrite: true);
    }
}
