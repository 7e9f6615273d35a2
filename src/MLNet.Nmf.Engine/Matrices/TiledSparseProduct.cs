using MLNet.Nmf.Engine.Kernels;
using MLNet.Nmf.Engine.Parallelism;

namespace MLNet.Nmf.Engine.Matrices;

/// <summary>
/// Rows of a CSR matrix whose column indices ascend within each row, times a row-major factor, cache-blocked: the
/// factor's rows are taken in tiles of about <see cref="TileBytes"/> and the output rows in chunks of about
/// <see cref="ChunkBytes"/> (at least one chunk per thread); a chunk's rows visit the tiles in increasing index order,
/// so a tile's rows are gathered from cache by every row of the chunk instead of from memory by each.
/// </summary>
/// <remarks>
/// Each output row is one FMA chain over its stored entries in order, continued from tile to tile
/// (<see cref="VectorKernels.SparseRowTimesFactorAccumulate"/>), so the product is bit for bit that of
/// <see cref="VectorKernels.SparseRowTimesFactor"/> row by row. Extra memory: one int cursor per row of a chunk, in one
/// array per thread kept for the next chunk and call (text matrix, k = 100: 10,000 rows, 39 KiB per thread; a fresh
/// array per chunk was 0.3 MB of garbage per product), or a pooled one for chunks of 65,536 rows or more.
/// Tile and chunk sizes were measured on the text benchmark (docs/benchmarks.md): tiles of 0.25–2 MiB (L2-sized)
/// were slower than untiled, because a row then meets only a few of its entries per tile and the reload of its
/// k partial sums costs about as much as the gathers saved; 8 MiB tiles (a quarter of the 32 MiB L3) and 4 MiB
/// chunks were the fastest.
/// </remarks>
internal static class TiledSparseProduct
{
    /// <summary>Bytes of factor rows per tile.</summary>
    public const long TileBytes = 8L * 1024 * 1024;

    /// <summary>Bytes of output rows per chunk (fewer when that would leave a thread without a chunk).</summary>
    public const long ChunkBytes = 4L * 1024 * 1024;

    /// <summary>Factors up to this size are gathered untiled: at 16 MiB (half the L3) they stay in cache as they are.</summary>
    public const long MinFactorBytes = 2 * TileBytes;

    /// <summary>
    /// True when a factor of <paramref name="factorRows"/> × <paramref name="k"/> floats is above
    /// <see cref="MinFactorBytes"/> (text benchmark: W at k = 100, 25 MB, is tiled; at k = 50, 12.7 MB, tiling was
    /// slower, 1.52 → 2.22 s of Xᵀ·W in 150 iterations, so it is not).
    /// </summary>
    public static bool Worthwhile(int factorRows, int k) => (long)factorRows * k * sizeof(float) > MinFactorBytes;

    /// <summary>output[i, :] = Σ_p values[p] · factor[indices[p], :] for every row i of <paramref name="matrix"/>.</summary>
    public static void Multiply(CsrMatrix matrix, float[] factor, int k, float[] output, int degree)
    {
        long rowBytes = (long)Math.Max(1, k) * sizeof(float);
        int tileRows = (int)Math.Clamp(TileBytes / rowBytes, 1, Math.Max(1, matrix.Columns));
        long perThread = (matrix.Rows + (long)Math.Max(1, degree) - 1) / Math.Max(1, degree);
        int chunkRows = (int)Math.Clamp(Math.Min(ChunkBytes / rowBytes, perThread), 1, Math.Max(1, matrix.Rows));
        Multiply(matrix, factor, k, output, degree, tileRows, chunkRows);
    }

    [ThreadStatic]
    private static int[]? t_cursor;

    /// <summary>The same product with explicit tile and chunk heights (tests use tiny ones); both at least 1.</summary>
    internal static unsafe void Multiply(CsrMatrix matrix, float[] factor, int k, float[] output, int degree, int tileRows, int chunkRows)
    {
        int rows = matrix.Rows;
        int factorRows = matrix.Columns;
        int chunks = (int)((rows + (long)chunkRows - 1) / chunkRows);
        var ptr = matrix.RawRowPointers;
        var idx = matrix.RawColumnIndices;
        var val = matrix.RawValues;
        BlockRunner.For(chunks, degree, chunk =>
        {
            int first = (int)Math.Min((long)chunk * chunkRows, rows);
            int count = (int)Math.Min((long)chunkRows, rows - first);
            var cursor = Cursor(count);
            Array.Copy(ptr, first, cursor, 0, count);
            output.AsSpan(checked(first * k), checked(count * k)).Clear();
            fixed (int* pi = idx, pc = cursor)
            fixed (float* pv = val, pb = factor, po = output)
            {
                for (long tileEnd = tileRows; ; tileEnd += tileRows)
                {
                    long bound = Math.Min(tileEnd, factorRows);
                    for (int r = 0; r < count; r++)
                    {
                        int p = pc[r];
                        int stop = ptr[first + r + 1];
                        int q = p;
                        while (q < stop && pi[q] < bound)
                            q++;
                        if (q > p)
                        {
                            VectorKernels.SparseRowTimesFactorAccumulate(pi + p, pv + p, q - p, pb, k, po + (long)(first + r) * k);
                            pc[r] = q;
                        }
                    }
                    if (bound >= factorRows)
                        break;
                }
            }
            if (count >= Memory.BufferPool.MinimumLength)
                Memory.BufferPool.Return(cursor);
        });
    }

    /// <summary>
    /// Cursors for a chunk of <paramref name="count"/> rows: this thread's own array (kept for the next chunk and call)
    /// up to the pool's minimum length, a pooled one above it (returned by the caller), so a thread keeps at most 256 KiB.
    /// </summary>
    private static int[] Cursor(int count) =>
        count >= Memory.BufferPool.MinimumLength ? Memory.BufferPool.RentInts(count, clear: false)
        : t_cursor is { } cached && cached.Length >= count ? cached : (t_cursor = new int[count]);
}
