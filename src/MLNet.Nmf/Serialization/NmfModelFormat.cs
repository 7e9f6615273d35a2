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
/// [version ≥ 4: the 32-byte SHA-256 of every payload byte before it] · magic "PFMN".
/// Version 1 payloads (no missing-values field) load as Error; version 1 and 2 payloads project with the Newton
/// step tolerance they were saved with, their projection tolerance, so they keep predicting bit for bit.
/// From version 4 the checksum is verified before any field is decoded, so a payload changed after it was saved (a
/// flipped bit in storage or transfer, which can leave every value valid) is refused as damaged; versions 1 to 3 have
/// no checksum and are checked field by field only.
/// </remarks>
internal static class NmfModelFormat
{
    public const uint Magic = 0x50464D4E;      // bytes "NMFP"
    public const uint EndMagic = 0x4E4D4650;   // bytes "PFMN"
    public const int CurrentVersion = 4;

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

    /// <summary>Every field from the start marker to the Newton step tolerance (what the checksum covers).</summary>
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
        Check(rank >= 1 && features >= 1, $"Invalid dimensions: rank {rank}, features {features}.");
        Check(rank <= features, $"Rank {rank} is above the number of features {features}; a fit never produces that.");
        long values = (long)rank * features;
        Check(values <= Array.MaxLength && values * sizeof(float) <= Remaining(reader), $"The NMF model payload is truncated: rank {rank} x {features} features needs more bytes than the payload holds.");
        int solver = reader.ReadInt32();
        Check(Enum.IsDefined((NmfSolver)solver), $"Unknown solver code {solver}.");
        int loss = reader.ReadInt32();
        Check(Enum.IsDefined((NmfLoss)loss), $"Unknown loss code {loss}.");
        double beta = reader.ReadDouble();
        CheckBeta((NmfSolver)solver, (NmfLoss)loss, beta);
        double l1 = reader.ReadDouble(), l2 = reader.ReadDouble();
        Check(l1 >= 0 && l1 <= NmfFitOptions.Limits.MaxPenalty, $"Invalid penalty L1 = {l1}; a fit's penalties are in [0, {NmfFitOptions.Limits.MaxPenalty:G6}].");
        Check(l2 >= 0 && l2 <= NmfFitOptions.Limits.MaxPenalty, $"Invalid penalty L2 = {l2}; a fit's penalties are in [0, {NmfFitOptions.Limits.MaxPenalty:G6}].");
        double tolerance = reader.ReadDouble();
        Check(tolerance >= 0 && tolerance <= 1, $"Invalid projection tolerance {tolerance}; it is a relative change in [0, 1].");
        int sweeps = reader.ReadInt32();
        Check(sweeps >= 1 && sweeps <= NmfFitOptions.Limits.MaxProjectionIterations, $"Invalid projection sweep limit {sweeps}; it is in [1, {NmfFitOptions.Limits.MaxProjectionIterations}].");
        var components = new float[values];
        for (int i = 0; i < components.Length; i++)
        {
            float v = reader.ReadSingle();
            Check(v >= 0 && float.IsFinite(v), $"Component {i / features}, feature {i % features} holds {v}; components must be finite and non-negative.");
            components[i] = v;
        }
        CheckComponentNorms(components, rank, features);
        int iterations = reader.ReadInt32();
        Check(iterations >= 0, $"Invalid iteration count {iterations}.");
        bool converged = reader.ReadBoolean();
        double error = reader.ReadDouble(), divergence = reader.ReadDouble();
        Check(double.IsFinite(error) && error >= 0, $"Invalid reconstruction error {error}.");
        Check(double.IsFinite(divergence), $"Invalid divergence {divergence}.");
        int historyCount = reader.ReadInt32();
        Check(historyCount >= 0, $"Invalid loss history length {historyCount}.");
        Check((long)historyCount * sizeof(double) <= Remaining(reader), $"The NMF model payload is truncated: its loss history declares {historyCount} entries but only {Remaining(reader)} bytes remain.");
        var history = new double[historyCount];
        for (int i = 0; i < historyCount; i++)
        {
            history[i] = reader.ReadDouble();
            Check(double.IsFinite(history[i]), $"Loss history entry {i} is {history[i]}; a fit's objective is finite.");
        }
        int nameCount = reader.ReadInt32();
        Check(nameCount == 0 || nameCount == features, $"The model has {nameCount} slot names for {features} features.");
        Check(nameCount <= Remaining(reader), $"The NMF model payload is truncated: it declares {nameCount} slot names but only {Remaining(reader)} bytes remain.");
        string[]? names = nameCount == 0 ? null : new string[nameCount];
        for (int i = 0; i < nameCount; i++)
            names![i] = reader.ReadString();
        var missingValues = NmfMissingValues.Error;
        if (version >= 2)
        {
            int code = reader.ReadInt32();
            Check(Enum.IsDefined((NmfMissingValues)code), $"Unknown missing-values code {code}.");
            missingValues = (NmfMissingValues)code;
            Check(missingValues == NmfMissingValues.Error || beta == 2, $"MissingValues Ignore with beta {beta}; only the Frobenius loss supports it.");
        }
        double newtonTolerance = tolerance; // what versions 1 and 2 projected with
        if (version >= 3)
        {
            newtonTolerance = reader.ReadDouble();
            Check(newtonTolerance >= 0 && newtonTolerance <= 1, $"Invalid Newton step tolerance {newtonTolerance}; it is a relative step in [0, 1].");
        }
        if (version >= 4)
            reader.ReadBytes(ChecksumBytes); // verified before decoding (VerifyChecksum)
        uint end = reader.ReadUInt32();
        Check(end == EndMagic, $"The NMF payload does not end with its end marker; the model file is damaged.");
        return new NmfModelParameters(rank, features, components, (NmfSolver)solver, (NmfLoss)loss, beta, new Penalty(l1, l2),
            tolerance, sweeps, iterations, converged, error, divergence, history, names, missingValues, newtonTolerance);
    }

    /// <summary>β must be what the loss code says (2, 1, 0, or within the supported range for Beta) and what the solver minimizes.</summary>
    private static void CheckBeta(NmfSolver solver, NmfLoss loss, double beta)
    {
        double expected = loss switch { NmfLoss.Frobenius => 2, NmfLoss.KullbackLeibler => 1, NmfLoss.ItakuraSaito => 0, _ => beta };
        Check(beta >= NmfFitOptions.Limits.MinBeta && beta <= NmfFitOptions.Limits.MaxBeta,
            $"Invalid beta {beta}; supported betas are in [{NmfFitOptions.Limits.MinBeta}, {NmfFitOptions.Limits.MaxBeta}].");
        Check(beta == expected, $"Beta {beta} contradicts loss {loss} (beta {expected}).");
        Check(solver != NmfSolver.CoordinateDescent || beta == 2, $"Beta {beta} contradicts solver {solver}, which minimizes the Frobenius loss (beta 2).");
        Check(solver != NmfSolver.CoordinateDescentKL || beta == 1, $"Beta {beta} contradicts solver {solver}, which minimizes the Kullback-Leibler divergence (beta 1).");
    }

    /// <summary>Each component's Σ_j H[t, j]² within the bound that keeps the projection's float Gram matrix finite.</summary>
    private static void CheckComponentNorms(float[] components, int rank, int features)
    {
        for (int t = 0; t < rank; t++)
        {
            double squares = 0;
            foreach (float v in components.AsSpan(t * features, features))
                squares += (double)v * v;
            Check(squares <= NmfFitOptions.Limits.MaxComponentSquaredNorm,
                $"Component {t} has squared norm {squares:G6}, above {NmfFitOptions.Limits.MaxComponentSquaredNorm:G6}: its projections would overflow float. A fit never produces that.");
        }
    }

    private static long Remaining(BinaryReader reader) =>
        reader.BaseStream.CanSeek ? reader.BaseStream.Length - reader.BaseStream.Position : long.MaxValue;

    private static void Check(bool condition, FormattableString message)
    {
        if (!condition)
            throw new InvalidDataException("Invalid MLNet.Nmf model: " + message.ToString(CultureInfo.InvariantCulture));
    }
}
