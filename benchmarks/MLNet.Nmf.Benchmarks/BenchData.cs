using System.Runtime.InteropServices;
using System.Text.Json;
using MLNet.Nmf.Engine.Matrices;

namespace MLNet.Nmf.Benchmarks;

/// <summary>Loads the shared benchmark formats (../shared/bench/README.md) byte for byte.</summary>
internal static class BenchData
{
    /// <summary>CSR: FILE.csr (int64 indptr ‖ int32 indices ‖ float32 data) with FILE.json beside it.</summary>
    public static (CsrMatrix Matrix, string Name) ReadCsr(string path)
    {
        string stem = StripExtension(path, ".csr");
        var header = JsonDocument.Parse(File.ReadAllText(stem + ".json")).RootElement;
        int rows = header.GetProperty("rows").GetInt32(), cols = header.GetProperty("cols").GetInt32();
        int nnz = header.GetProperty("nnz").GetInt32();
        byte[] bytes = File.ReadAllBytes(stem + ".csr");
        long[] indptr = MemoryMarshal.Cast<byte, long>(bytes.AsSpan(0, (rows + 1) * 8)).ToArray();
        int[] indices = MemoryMarshal.Cast<byte, int>(bytes.AsSpan((rows + 1) * 8, nnz * 4)).ToArray();
        float[] data = MemoryMarshal.Cast<byte, float>(bytes.AsSpan((rows + 1) * 8 + nnz * 4, nnz * 4)).ToArray();
        var pointers = new int[rows + 1];
        for (int i = 0; i <= rows; i++)
            pointers[i] = checked((int)indptr[i]);
        return (new CsrMatrix(rows, cols, pointers, indices, data), Path.GetFileName(stem));
    }

    /// <summary>Dense: FILE.f32 (row-major float32) with FILE.json giving m and n (make_synthetic.py).</summary>
    public static (DenseMatrix Matrix, string Name) ReadDense(string path)
    {
        string stem = StripExtension(path, ".f32");
        var header = JsonDocument.Parse(File.ReadAllText(stem + ".json")).RootElement;
        int m = header.GetProperty("m").GetInt32(), n = header.GetProperty("n").GetInt32();
        byte[] bytes = File.ReadAllBytes(stem + ".f32");
        float[] data = MemoryMarshal.Cast<byte, float>(bytes.AsSpan(0, m * n * 4)).ToArray();
        return (new DenseMatrix(m, n, data), Path.GetFileName(stem));
    }

    /// <summary>The digits CSV (header, 64 pixel columns, then the label).</summary>
    public static (DenseMatrix Matrix, string Name) ReadDigits(string path)
    {
        var lines = File.ReadLines(path).Skip(1).Where(l => l.Length > 0).ToArray();
        var values = new float[lines.Length * 64];
        for (int i = 0; i < lines.Length; i++)
        {
            var parts = lines[i].Split(',');
            for (int j = 0; j < 64; j++)
                values[i * 64 + j] = float.Parse(parts[j], System.Globalization.CultureInfo.InvariantCulture);
        }
        return (new DenseMatrix(lines.Length, 64, values), "digits");
    }

    /// <summary>A copy with a seeded <paramref name="fraction"/> of the stored values (every entry when dense) set to NaN.</summary>
    public static INmfMatrix WithMissing(INmfMatrix x, double fraction, int seed)
    {
        var random = new Random(seed);
        if (x is DenseMatrix dense)
        {
            var values = dense.Values.ToArray();
            for (int i = 0; i < values.Length; i++)
                if (random.NextDouble() < fraction)
                    values[i] = float.NaN;
            return new DenseMatrix(dense.Rows, dense.Columns, values, NmfMissingValues.Ignore);
        }
        var csr = (CsrMatrix)x;
        var stored = csr.Values.ToArray();
        for (int p = 0; p < stored.Length; p++)
            if (random.NextDouble() < fraction)
                stored[p] = float.NaN;
        return new CsrMatrix(csr.Rows, csr.Columns, csr.RowPointers.ToArray(), csr.ColumnIndices.ToArray(), stored, NmfMissingValues.Ignore);
    }

    private static string StripExtension(string path, string extension) =>
        path.EndsWith(extension, StringComparison.Ordinal) || path.EndsWith(".json", StringComparison.Ordinal)
            ? Path.Combine(Path.GetDirectoryName(path) ?? "", Path.GetFileNameWithoutExtension(path))
            : path;
}
