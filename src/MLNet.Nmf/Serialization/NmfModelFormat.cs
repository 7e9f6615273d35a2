using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MLNet.Nmf.Engine;
using MLNet.Nmf.Engine.Solvers;

namespace MLNet.Nmf.Serialization;

/// <summary>
/// The transformer's own payload inside ML.NET's model stream, versioned and decoded defensively:
/// every count is checked against what the stream can still hold before anything is allocated, and
/// every value against what a fitted model can contain, so a corrupt, truncated or foreign payload
/// gives an <see cref="InvalidDataException"/> and is never loaded.
/// </summary>
/// <remarks>
/// Layout (little-endian): magic "NMFP" · int32 format version · int32 rank k · int32 features n ·
/// int32 solver · int32 loss · float64 beta · float64 L1 · float64 L2 · float64 projection tolerance ·
/// int32 projection sweeps · float32[k·n] components · int32 iterations · bool converged ·
/// float64 relative error · float64 divergence · int32 h + float64[h] loss history ·
/// int32 s (0 or n) + s strings (slot names) · [version ≥ 2: int32 missing values (0 Error, 1 Ignore)] ·
/// [version ≥ 3: float64 Newton step tolerance of the Kullback-Leibler projection] ·
/// [version ≥ 5: int32 projection rule (0: sweeps up to the limit; 1: then the exact finish of rows still moving)] ·
/// [version ≥ 4: the 32-byte SHA-256 of every payload byte before it] · magic "PFMN".
/// Version 1 payloads (no missing-values field) load as Error; version 1 and 2 payloads project with the Newton
/// step tolerance they were saved with, their projection tolerance, so they keep predicting bit for bit; versions 1 to 4
/// project with rule 0 (a Frobenius row still moving at the sweep limit returns its last sweep), as they were saved.
/// From version 4 the checksum is verified before any field is decoded, so a payload changed after it was saved (a
/// flipped bit in storage or transfer, which can leave every value valid) is refused as damaged; versions 1 to 3 have
/// no checksum and are checked field by field only.
/// </remarks>
internal static class NmfModelFormat
{
    public const uint Magic = 0x50464D4E;      // bytes "NMFP"
    public const uint EndMagic = 0x4E4D4650;   // bytes "PFMN"
    public const int CurrentVersion = 5;

    /// <summary>Bytes of the version 4 checksum (SHA-256).</summary>
    public const int ChecksumBytes = 32;

    /// <summary>
    /// Writes the payload. Its fields go through a stream that hashes what passes, so the checksum costs no copy of
    /// the components (a model can hold hundreds of megabytes of them).
    /// </summary>
    public static void Write(BinaryWriter writer, NmfModelParameters model)
    {
        writer.Flush();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using (var fields = new BinaryWriter(new HashingWriteStream(writer.BaseStream, hash), Encoding.UTF8, leaveOpen: false))
            WriteFields(fields, model);
        writer.Write(hash.GetHashAndReset()); // version 4
        writer.Write(EndMagic);
    }

    /// <summary>Every field from the start marker to the projection rule (what the checksum covers).</summary>
    private static void WriteFields(BinaryWriter writer, NmfModelParameters model)
    {
        writer.Write(Magic);
        writer.Write(CurrentVersion);
        writer.Write(model.Rank);
        writer.Write(model.FeatureCount);
        writer.Write((int)model.Solver);
        writer.Write((int)model.Loss);
        writer.Write(model.Beta);
        writer.Write(model.Penalty.L1);
        writer.Write(model.Penalty.L2);
        writer.Write(model.ProjectionTolerance);
        writer.Write(model.ProjectionMaxIterations);
        foreach (float v in model.RawComponents)
            writer.Write(v);
        writer.Write(model.Iterations);
        writer.Write(model.Converged);
        writer.Write(model.ReconstructionError);
        writer.Write(model.Divergence);
        writer.Write(model.LossHistory.Count);
        foreach (double v in model.LossHistory)
            writer.Write(v);
        var names = model.SlotNames;
        writer.Write(names?.Count ?? 0);
        if (names != null)
            foreach (var name in names)
                writer.Write(name);
        writer.Write((int)model.MissingValues); // version 2
        writer.Write(model.NewtonTolerance); // version 3
        writer.Write(model.ActiveSetFinish ? 1 : 0); // version 5
    }

    /// <summary>Decodes the payload, which occupies exactly the next <paramref name="length"/> bytes of <paramref name="reader"/>.</summary>
    public static NmfModelParameters Read(BinaryReader reader, long length)
    {
        Check(length >= 0 && length <= Array.MaxLength, $"The NMF payload's declared length {length} is invalid.");
        var bytes = reader.ReadBytes((int)length);
        if (bytes.Length != length)
            throw new InvalidDataException("The NMF model payload is truncated: the model stream ends before the payload does. The model file is damaged; save the model again.");
        VerifyChecksum(bytes);
        using var payload = new BinaryReader(new MemoryStream(bytes, writable: false));
        NmfModelParameters model;
        try
        {
            model = ReadCore(payload);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("The NMF model payload is truncated: it ends before the data it declares. The model file is damaged; save the model again.", e);
        }
        long trailing = payload.BaseStream.Length - payload.BaseStream.Position;
        Check(trailing == 0, $"The NMF payload has {trailing} bytes after its end marker; the model file is damaged.");
        return model;
    }

    /// <summary>
    /// From version 4: the SHA-256 of everything before the checksum, which sits just before the end marker, must be
    /// the stored one. Earlier versions are left to the field checks, and so is a payload that does not end with its
    /// end marker (cut short, or with bytes after it): the decoder refuses those as truncated or as having trailing
    /// bytes, since it only accepts a payload whose end marker is its last four bytes, where this check looked for it.
    /// </summary>
    private static void VerifyChecksum(byte[] bytes)
    {
        if (bytes.Length < 8 || BitConverter.ToUInt32(bytes, 0) != Magic || BitConverter.ToInt32(bytes, 4) < 4
            || BitConverter.ToUInt32(bytes, bytes.Length - sizeof(uint)) != EndMagic)
            return;
        int covered = bytes.Length - ChecksumBytes - sizeof(uint);
        Check(covered >= 8, $"The NMF model payload is truncated: {bytes.Length} bytes cannot hold a version 4 payload. The model file is damaged; save the model again.");
        var expected = bytes.AsSpan(covered, ChecksumBytes);
        Span<byte> actual = stackalloc byte[ChecksumBytes];
        SHA256.HashData(bytes.AsSpan(0, covered), actual);
        Check(actual.SequenceEqual(expected),
            $"The NMF payload's checksum does not match its contents: the model file was changed after it was saved (damaged in storage or transfer). Save the model again from the fitted pipeline, or restore the file from a copy.");
    }

    private static NmfModelParameters ReadCore(BinaryReader reader)
    {
        uint magic = reader.ReadUInt32();
        Check(magic == Magic, $"The payload does not start with the NMF marker (found 0x{magic:X8}); this is not an MLNet.Nmf model.");
        int version = reader.ReadInt32();
        Check(version >= 1 && version <= CurrentVersion, $"NMF model format version {version} is not supported (this library reads 1 to {CurrentVersion}); update MLNet.Nmf.");
        int rank = reader.ReadInt32();
        int features = reader.ReadInt32();
        Check(NmfModelChecks.Dimensions(rank, features));
        long values = (long)rank * features;
        Check(values <= Array.MaxLength && values * sizeof(float) <= Remaining(reader), $"The NMF model payload is truncated: rank {rank} x {features} features needs more bytes than the payload holds.");
        int solver = reader.ReadInt32();
        Check(NmfModelChecks.Solver(solver));
        int loss = reader.ReadInt32();
        Check(NmfModelChecks.Loss(loss));
        double beta = reader.ReadDouble();
        Check(NmfModelChecks.Beta((NmfSolver)solver, (NmfLoss)loss, beta));
        double l1 = reader.ReadDouble(), l2 = reader.ReadDouble();
        Check(NmfModelChecks.Penalty("L1", l1));
        Check(NmfModelChecks.Penalty("L2", l2));
        double tolerance = reader.ReadDouble();
        Check(NmfModelChecks.ProjectionTolerance(tolerance));
        int sweeps = reader.ReadInt32();
        Check(NmfModelChecks.ProjectionSweeps(sweeps));
        var components = new float[values];
        for (int i = 0; i < components.Length; i++)
        {
            float v = reader.ReadSingle();
            Check(NmfModelChecks.Component(i, features, v));
            components[i] = v;
        }
        Check(NmfModelChecks.ComponentNorms(components, rank, features));
        int iterations = reader.ReadInt32();
        Check(NmfModelChecks.Iterations(iterations));
        bool converged = reader.ReadBoolean();
        double error = reader.ReadDouble(), divergence = reader.ReadDouble();
        Check(NmfModelChecks.ReconstructionError(error));
        Check(NmfModelChecks.Divergence(divergence));
        int historyCount = reader.ReadInt32();
        Check(historyCount >= 0, $"Invalid loss history length {historyCount}.");
        Check((long)historyCount * sizeof(double) <= Remaining(reader), $"The NMF model payload is truncated: its loss history declares {historyCount} entries but only {Remaining(reader)} bytes remain.");
        var history = new double[historyCount];
        for (int i = 0; i < historyCount; i++)
        {
            history[i] = reader.ReadDouble();
            Check(NmfModelChecks.LossHistoryEntry(i, history[i]));
        }
        int nameCount = reader.ReadInt32();
        Check(NmfModelChecks.SlotNameCount(nameCount, features));
        Check(nameCount <= Remaining(reader), $"The NMF model payload is truncated: it declares {nameCount} slot names but only {Remaining(reader)} bytes remain.");
        string[]? names = nameCount == 0 ? null : new string[nameCount];
        for (int i = 0; i < nameCount; i++)
            names![i] = reader.ReadString();
        var missingValues = NmfMissingValues.Error;
        if (version >= 2)
        {
            int code = reader.ReadInt32();
            Check(NmfModelChecks.MissingValues(code));
            missingValues = (NmfMissingValues)code;
            Check(NmfModelChecks.MissingValuesWithBeta(missingValues, beta));
        }
        double newtonTolerance = tolerance; // what versions 1 and 2 projected with
        if (version >= 3)
        {
            newtonTolerance = reader.ReadDouble();
            Check(NmfModelChecks.NewtonTolerance(newtonTolerance));
        }
        bool activeSetFinish = false; // what versions 1 to 4 projected with
        if (version >= 5)
        {
            int rule = reader.ReadInt32();
            Check(NmfModelChecks.ProjectionRule(rule));
            activeSetFinish = rule == 1;
        }
        if (version >= 4)
            reader.ReadBytes(ChecksumBytes); // verified before decoding (VerifyChecksum)
        uint end = reader.ReadUInt32();
        Check(end == EndMagic, $"The NMF payload does not end with its end marker; the model file is damaged.");
        return new NmfModelParameters(rank, features, components, (NmfSolver)solver, (NmfLoss)loss, beta, new Penalty(l1, l2),
            tolerance, sweeps, iterations, converged, error, divergence, history, names, missingValues, newtonTolerance, activeSetFinish);
    }

    private static long Remaining(BinaryReader reader) =>
        reader.BaseStream.CanSeek ? reader.BaseStream.Length - reader.BaseStream.Position : long.MaxValue;

    /// <summary>Throws when one of <see cref="NmfModelChecks"/> found a problem.</summary>
    private static void Check(string? problem)
    {
        if (problem is not null)
            throw new InvalidDataException("Invalid MLNet.Nmf model: " + problem);
    }

    private static void Check(bool condition, FormattableString message)
    {
        if (!condition)
            throw new InvalidDataException("Invalid MLNet.Nmf model: " + message.ToString(CultureInfo.InvariantCulture));
    }
}
