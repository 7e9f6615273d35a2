using MLNet.Nmf.Engine.Matrices;

namespace MLNet.Nmf.Engine.Blocks;

/// <summary>
/// An order-sensitive 64-bit fingerprint of a row block's values, with which a streamed fit tells that a later pass
/// handed out other rows than pass 1 in a block, also when they are pass 1's rows in another order (a swap keeps the
/// block's sum). It is the wrapping sum, over the block's non-zero values, of a mix of (row within the block, slot, the
/// value's bits): each term is a bijection of (slot, bits) xor a key drawn from the row (SplitMix64's finaliser of its
/// index), so a value moved to another row or slot, or changed in any bit, changes it but by a coincidence of 64-bit
/// words (this is a check against a source that reorders its rows, not against an adversary). Zeros are skipped, so a
/// block handed out dense in one pass and as CSR in another (the same values) has the same fingerprint. One loop over
/// the block's stored values whose terms are independent (no chain from one value to the next; one multiply each),
/// computed in the pass that reads the block: a few per cent of the block step's time at rank 20 on one thread.
/// </summary>
internal static class BlockFingerprint
{
    /// <summary>The fingerprint of <paramref name="block"/> (a <see cref="DenseMatrix"/> or a <see cref="CsrMatrix"/>).</summary>
    public static ulong Of(INmfMatrix block)
    {
        ulong sum = 0;
        if (block is CsrMatrix csr)
        {
            var pointers = csr.RowPointers;
            var columns = csr.ColumnIndices;
            var values = csr.Values;
            for (int r = 0; r < csr.Rows; r++)
            {
                ulong row = RowKey(r);
                for (int p = pointers[r]; p < pointers[r + 1]; p++)
                    if (values[p] != 0f)
                        sum += Term(row, columns[p], values[p]);
            }
        }
        else if (block is DenseMatrix dense)
        {
            for (int r = 0; r < dense.Rows; r++)
            {
                ulong row = RowKey(r);
                var values = dense.Row(r);
                for (int j = 0; j < values.Length; j++)
                    if (values[j] != 0f)
                        sum += Term(row, j, values[j]);
            }
        }
        else
        {
            throw new ArgumentException($"A row block must be a DenseMatrix or a CsrMatrix, not {block.GetType().Name}.", nameof(block));
        }
        return sum;
    }

    /// <summary>A row's key: its index mixed, so that rows next to each other have unrelated keys.</summary>
    private static ulong RowKey(int row) => Mix(0x9E3779B97F4A7C15UL * (ulong)(row + 1));

    /// <summary>
    /// One value's term: its slot and bits (together 64 bits, distinct for distinct pairs) xor the row's key (already
    /// mixed), then one multiply-xorshift round, which spreads every input bit over the high half and back.
    /// </summary>
    private static ulong Term(ulong rowKey, int column, float value)
    {
        ulong x = (rowKey ^ ((ulong)BitConverter.SingleToUInt32Bits(value) << 32 | (uint)column)) * 0xD6E8FEB86659FD93UL;
        return x ^ (x >> 32);
    }

    /// <summary>The finaliser of SplitMix64 (a bijection of 64-bit words whose every output bit depends on every input bit).</summary>
    private static ulong Mix(ulong x)
    {
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}
