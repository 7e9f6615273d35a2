using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit.Abstractions;

namespace MLNet.Nmf.Tests.MLNet;

/// <summary>
/// Seeded mutants of a saved model's NMF payload, inside an otherwise valid zip: each must be refused with a
/// clear error (InvalidDataException or FormatException, or a message naming the NMF model) or load and give
/// finite, non-negative outputs, in bounded time and memory.
/// </summary>
public class ModelFuzzTests(ITestOutputHelper output)
{
    private const int MutantsPerModel = 400;
    private static readonly int[] IntFields = { ModelZip.Version, ModelZip.Rank, ModelZip.Features, ModelZip.Solver, ModelZip.Loss, ModelZip.Sweeps };
    private static readonly int[] DoubleFields = { ModelZip.Beta, ModelZip.L1, ModelZip.L2, ModelZip.Tolerance };
    private static readonly int[] Ints = { 0, 1, -1, 2, 3, 63, 64, 65, 1 << 16, 1 << 20, int.MaxValue, int.MinValue, int.MaxValue / 2, 1_090_519_540 };
    private static readonly double[] Doubles = { 0, -0.0, 1, 2, 0.5, 1.5, -50, 1e300, -1e300, 1e-300, 5, 1e15, 1e30, double.NaN, double.PositiveInfinity, double.NegativeInfinity, double.Epsilon };
    private static readonly float[] Floats = { 0, 1, 3.4e38f, float.MaxValue, 1e20f, 1e-30f, float.Epsilon, float.NaN, float.PositiveInfinity, -1, 1e10f };

    private static NmfOptions[] Models() => new[]
    {
        new NmfOptions { OutputColumnName = "Topics", InputColumnName = "Pixels", Rank = 4, AlphaW = 0.001, L1Ratio = 0.5, MaximumIterations = 30 },
        new NmfOptions { OutputColumnName = "Topics", InputColumnName = "Pixels", Rank = 4, Solver = NmfSolver.CoordinateDescentKL, Loss = NmfLoss.KullbackLeibler, MaximumIterations = 30 },
        new NmfOptions { OutputColumnName = "Topics", InputColumnName = "Pixels", Rank = 3, Solver = NmfSolver.MultiplicativeUpdate, Loss = NmfLoss.Beta, Beta = 1.5, MaximumIterations = 30 },
    };

    [Fact]
    public void MutatedPayloads_AreRefusedClearly_OrGiveFiniteNonNegativeOutputs()
    {
        var random = new Random(8);
        var ml = new MLContext(seed: 1);
        var all = ModelFileTests.Digits(ml);
        var rows = ml.Data.TakeRows(all, 24);
        int refused = 0, loaded = 0;
        double slowest = 0;
        long mostAllocated = 0;
        var clock = Stopwatch.StartNew();
        foreach (var options in Models())
        {
            var zip = ModelZip.Save(ml, ml.Transforms.NonNegativeMatrixFactorization(options).Fit(all), all.Schema);
            for (int mutant = 0; mutant < MutantsPerModel; mutant++)
            {
                var entry = zip.Entry;
                string what = Mutate(entry, zip.PayloadStart, zip.PayloadEnd, random);
                var bytes = zip.With(entry);
                long allocatedBefore = GC.GetTotalAllocatedBytes();
                var start = Stopwatch.GetTimestamp();
                float[]? outputs = null;
                try
                {
                    var model = ModelZip.Load(ml, bytes);
                    outputs = model.Transform(rows).GetColumn<VBuffer<float>>("Topics").SelectMany(v => v.DenseValues()).ToArray();
                }
                catch (Exception e)
                {
                    var chain = ModelZip.Chain(e).ToArray();
                    chain.Any(x => x is InvalidDataException or FormatException || x.Message.Contains("NMF")).Should()
                        .BeTrue($"mutant {mutant} of {options.Solver} ({what}) must be refused clearly, not with: {ModelZip.Flatten(e)}");
                    refused++;
                }
                if (outputs != null)
                {
                    outputs.Should().OnlyContain(v => float.IsFinite(v) && v >= 0, $"mutant {mutant} of {options.Solver} ({what}) loaded, so its outputs must be finite and non-negative");
                    loaded++;
                }
                double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
                long allocated = GC.GetTotalAllocatedBytes() - allocatedBefore;
                seconds.Should().BeLessThan(5, $"mutant {mutant} of {options.Solver} ({what}) must not hang loading or projecting");
                allocated.Should().BeLessThan(512L << 20, $"mutant {mutant} of {options.Solver} ({what}) must not allocate without bound");
                slowest = Math.Max(slowest, seconds);
                mostAllocated = Math.Max(mostAllocated, allocated);
            }
        }
        output.WriteLine($"{refused + loaded} mutants: {refused} refused, {loaded} loaded with finite non-negative outputs; slowest {slowest:F3} s, most allocated {mostAllocated >> 10} KiB, total {clock.Elapsed.TotalSeconds:F1} s.");
        (refused + loaded).Should().Be(3 * MutantsPerModel);
        refused.Should().BeGreaterThan(0);
        loaded.Should().BeGreaterThan(0);
    }

    /// <summary>One seeded mutation of the payload bytes [start, end); returns what it did.</summary>
    private static string Mutate(byte[] entry, int start, int end, Random random)
    {
        switch (random.Next(5))
        {
            case 0:
            {
                int at = random.Next(start, end);
                int bit = random.Next(8);
                entry[at] ^= (byte)(1 << bit);
                return $"bit {bit} of byte {at - start} flipped";
            }
            case 1:
            {
                int at = random.Next(start, end);
                int count = Math.Min(random.Next(1, 5), end - at);
                for (int i = 0; i < count; i++)
                    entry[at + i] = (byte)random.Next(256);
                return $"{count} random bytes at {at - start}";
            }
            case 2:
            {
                int field = IntFields[random.Next(IntFields.Length)];
                int value = Ints[random.Next(Ints.Length)];
                BitConverter.GetBytes(value).CopyTo(entry, start + field);
                return $"int field at {field} = {value}";
            }
            case 3:
            {
                int field = DoubleFields[random.Next(DoubleFields.Length)];
                double value = Doubles[random.Next(Doubles.Length)];
                BitConverter.GetBytes(value).CopyTo(entry, start + field);
                return $"double field at {field} = {value}";
            }
            default:
            {
                int rank = BitConverter.ToInt32(entry, start + ModelZip.Rank), features = BitConverter.ToInt32(entry, start + ModelZip.Features);
                int index = random.Next(rank * features);
                float value = Floats[random.Next(Floats.Length)];
                BitConverter.GetBytes(value).CopyTo(entry, start + ModelZip.Components + 4 * index);
                return $"component value {index} = {value}";
            }
        }
    }
}
