using System.IO.Compression;
using System.Security.Cryptography;
using Microsoft.ML;

namespace MLNet.Nmf.Tests.MLNet;

/// <summary>
/// A saved model zip held in memory, with the NMF payload located inside its model entry, so tests can damage
/// the payload while the zip, and ML.NET's own model header around the payload, stay valid: whatever is
/// refused is then refused by the NMF decoder itself.
/// </summary>
internal sealed class ModelZip
{
    // ML.NET's model header (Microsoft.ML.Core ModelHeader): byte offsets of the fields that locate the blocks
    // after the model block, each relative to the header's start.
    private const int CbModel = 0x18, FpStringTable = 0x20, FpStringChars = 0x30, FpTail = 0x80, FpLim = 0x88, FpAssemblyName = 0x90;

    /// <summary>Offsets inside the NMF payload (format version 1 and later): the header fields after the "NMFP" marker.</summary>
    public const int Version = 4, Rank = 8, Features = 12, Solver = 16, Loss = 20, Beta = 24, L1 = 32, L2 = 40,
        Tolerance = 48, Sweeps = 56, Components = 60;

    private readonly Dictionary<string, byte[]> _entries;

    private ModelZip(Dictionary<string, byte[]> entries, string nmfEntry)
    {
        _entries = entries;
        NmfEntry = nmfEntry;
        var bytes = entries[nmfEntry];
        PayloadStart = IndexOf(bytes, "NMFP"u8);
        PayloadEnd = bytes.AsSpan().LastIndexOf("PFMN"u8) + 4;
    }

    public string NmfEntry { get; }

    /// <summary>The NMF payload's first byte (its "NMFP" marker) within the entry.</summary>
    public int PayloadStart { get; }

    /// <summary>One past the payload's last byte (its "PFMN" marker).</summary>
    public int PayloadEnd { get; }

    /// <summary>A copy of the NMF model entry's bytes.</summary>
    public byte[] Entry => (byte[])_entries[NmfEntry].Clone();

    public static ModelZip Save(MLContext ml, ITransformer model, DataViewSchema schema)
    {
        using var stream = new MemoryStream();
        ml.Model.Save(model, schema, stream);
        return Open(stream.ToArray());
    }

    public static ModelZip Open(byte[] zip)
    {
        var entries = new Dictionary<string, byte[]>();
        using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        foreach (var entry in archive.Entries)
        {
            using var s = entry.Open();
            using var copy = new MemoryStream();
            s.CopyTo(copy);
            entries[entry.FullName] = copy.ToArray();
        }
        string nmf = entries.Single(e => IndexOf(e.Value, "NMFP"u8) >= 0).Key;
        return new ModelZip(entries, nmf);
    }

    /// <summary>The zip with the NMF entry replaced by <paramref name="entry"/>.</summary>
    public byte[] With(byte[] entry)
    {
        using var stream = new MemoryStream();
        using (var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, bytes) in _entries)
            {
                using var s = archive.CreateEntry(name, CompressionLevel.NoCompression).Open();
                s.Write(name == NmfEntry ? entry : bytes);
            }
        }
        return stream.ToArray();
    }

    /// <summary>The NMF entry with the payload's last <paramref name="count"/> bytes removed (negative: that many zero bytes appended),
    /// ML.NET's header adjusted so that its model block ends where the shortened payload does.</summary>
    public byte[] ResizedPayload(int count)
    {
        var bytes = _entries[NmfEntry];
        int header = IndexOf(bytes, BitConverter.GetBytes(0x4C45444F4D004C4DUL)); // "ML\0MODEL"
        long blockEnd = header + BitConverter.ToInt64(bytes, header + 0x10) + BitConverter.ToInt64(bytes, header + CbModel);
        // Transformer version 0x00010002 frames each payload: int64 length · payload · int32 slot-name terms.
        long prefix = PayloadStart >= 8 ? BitConverter.ToInt64(bytes, PayloadStart - 8) : -1;
        bool framed = prefix == PayloadEnd - PayloadStart;
        if (blockEnd != PayloadEnd + (framed ? sizeof(int) : 0))
            throw new InvalidOperationException($"The NMF payload does not end its model block ({PayloadEnd} vs {blockEnd}).");
        var result = count >= 0
            ? bytes.AsSpan(0, PayloadEnd - count).ToArray().Concat(bytes.AsSpan(PayloadEnd).ToArray()).ToArray()
            : bytes.AsSpan(0, PayloadEnd).ToArray().Concat(new byte[-count]).Concat(bytes.AsSpan(PayloadEnd).ToArray()).ToArray();
        if (framed)
            BitConverter.GetBytes(prefix - count).CopyTo(result, PayloadStart - 8);
        foreach (int field in new[] { CbModel, FpStringTable, FpStringChars, FpTail, FpLim, FpAssemblyName })
        {
            long value = BitConverter.ToInt64(result, header + field);
            if (value != 0 || field == CbModel)
                BitConverter.GetBytes(value - count).CopyTo(result, header + field);
        }
        return result;
    }

    /// <summary>
    /// <paramref name="entry"/> (an edited copy of an NMF model entry) with the payload's format 4 checksum computed again
    /// over its bytes, as a crafted file would carry it: the decoder's field checks, not the checksum, then decide.
    /// An entry whose start marker was itself edited away is returned as it is (there is no payload to seal).
    /// </summary>
    public static byte[] Resealed(byte[] entry)
    {
        int start = IndexOf(entry, "NMFP"u8), end = entry.AsSpan().LastIndexOf("PFMN"u8) + sizeof(uint);
        if (start < 0)
            return entry;
        int checksum = global::MLNet.Nmf.Serialization.NmfModelFormat.ChecksumBytes;
        int covered = end - start - checksum - sizeof(uint);
        SHA256.HashData(entry.AsSpan(start, covered), entry.AsSpan(start + covered, checksum));
        return entry;
    }

    public static ITransformer Load(MLContext ml, byte[] zip) => ml.Model.Load(new MemoryStream(zip), out _);

    public static int IndexOf(ReadOnlySpan<byte> haystack, ReadOnlySpan<byte> needle) => haystack.IndexOf(needle);

    /// <summary>Every message of an exception and its inner exceptions.</summary>
    public static string Flatten(Exception e) => e.InnerException is null ? e.Message : e.Message + " | " + Flatten(e.InnerException);

    /// <summary>The exception and its inner exceptions.</summary>
    public static IEnumerable<Exception> Chain(Exception e)
    {
        for (var x = e; x != null; x = x.InnerException)
            yield return x;
    }
}
