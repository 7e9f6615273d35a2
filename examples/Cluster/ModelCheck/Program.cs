using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Nmf;
using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Matrices;

// Loads a cluster fit's model zip in plain ML.NET (this process has no Orleans), fits the same shards on one machine
// with NmfEngine.FitBlocks (the shards as row blocks, same rank, iterations and seed) and compares the components.
// usage: ModelCheck <model.zip> <shards.json> <rank> <iterations> <seed>
// Prints "model-check: max|dH| = ... bit-identical: yes|no ..." and exits 0 only when bit-identical.
if (args.Length != 5)
{
    Console.Error.WriteLine("usage: ModelCheck <model.zip> <shards.json> <rank> <iterations> <seed>");
    return 2;
}
string modelPath = args[0], manifestPath = Path.GetFullPath(args[1]);
int rank = int.Parse(args[2], CultureInfo.InvariantCulture), iterations = int.Parse(args[3], CultureInfo.InvariantCulture), seed = int.Parse(args[4], CultureInfo.InvariantCulture);

var ml = new MLContext(seed: 1);
var loaded = ml.Model.Load(modelPath, out var inputSchema);
var nmf = loaded as NmfTransformer ?? throw new InvalidDataException($"{modelPath} does not hold an NmfTransformer at the top level.");
var model = nmf.Model;

// The shards, read with ML.NET's binary loader into CSR row blocks.
using var manifest = JsonDocument.Parse(File.ReadAllText(manifestPath));
string column = manifest.RootElement.GetProperty("column").GetString()!;
var folder = Path.GetDirectoryName(manifestPath)!;
var blocks = new List<INmfMatrix>();
IDataView? first = null;
foreach (var shard in manifest.RootElement.GetProperty("shards").EnumerateArray())
{
    var data = ml.Data.LoadFromBinary(Path.GetFullPath(shard.GetProperty("path").GetString()!, folder));
    first ??= data;
    blocks.Add(ReadCsr(data, column));
}

var clock = Stopwatch.StartNew();
var reference = NmfEngine.FitBlocks(blocks, new NmfFitOptions
{
    Rank = rank, MaxIterations = iterations, Seed = seed, Tolerance = 0, Initialization = NmfInitialization.Random,
});
double seconds = clock.Elapsed.TotalSeconds;

var a = model.Components.Span;
var b = reference.H.Values;
double maxDelta = a.Length == b.Length ? 0 : double.PositiveInfinity;
bool identical = a.Length == b.Length;
for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
{
    maxDelta = Math.Max(maxDelta, Math.Abs((double)a[i] - b[i]));
    identical &= BitConverter.SingleToInt32Bits(a[i]) == BitConverter.SingleToInt32Bits(b[i]);
}

// The loaded model predicts: the first shard's rows through the transformer.
var topics = nmf.Transform(first!).GetColumn<float[]>(nmf.OutputColumnName).First();
Console.WriteLine($"model: rank {model.Rank}, {model.FeatureCount} features, {model.Iterations} iterations; first row's topic weights: {string.Join(" ", topics.Select(t => t.ToString("F3", CultureInfo.InvariantCulture)))}");
for (int t = 0; t < Math.Min(3, model.Rank); t++)
    Console.WriteLine($"topic {t}: {string.Join(", ", model.GetTopSlots(t, 6).Select(s => s.Slot))}");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"model-check: max|dH| = {maxDelta:G6} bit-identical: {(identical ? "yes" : "no")}; single-process FitBlocks {reference.Iterations} iterations in {reference.Timings.Solver.TotalSeconds:F3} s ({reference.Timings.Solver.TotalSeconds / Math.Max(1, reference.Iterations):F4} s/iteration, {seconds:F3} s in all), relative error {reference.RelativeError:F6}"));
return identical ? 0 : 1;

static CsrMatrix ReadCsr(IDataView data, string column)
{
    var col = data.Schema[column];
    int size = ((VectorDataViewType)col.Type).Size;
    var pointers = new List<int> { 0 };
    var indices = new List<int>();
    var values = new List<float>();
    using var cursor = data.GetRowCursor(new[] { col });
    var getter = cursor.GetGetter<VBuffer<float>>(col);
    var row = default(VBuffer<float>);
    while (cursor.MoveNext())
    {
        getter(ref row);
        foreach (var (index, value) in row.Items())
        {
            if (value != 0f)
            {
                indices.Add(index);
                values.Add(value);
            }
        }
        pointers.Add(indices.Count);
    }
    return new CsrMatrix(pointers.Count - 1, size, pointers.ToArray(), indices.ToArray(), values.ToArray());
}
