using System.Globalization;
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
/// int32 s (0 or n) + s strings (slot names) · [version ≥ 2: int32 missing values (0 Error, 1 Ignore)] · magic "PFMN".
/// Version 1 payloads (no missing-values field) load as Error.
/// </remarks>
internal static class NmfModelFormat
{
    public const uint Magic = 0x50464D4E;      // bytes "NMFP"
    public const uint EndMagic = 0x4E4D4650;   // bytes "PFMN"
    public const int CurrentVersion = 2;

    public static void Write(BinaryWriter writer, NmfModelParameters model)
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
        writer.Write(EndMagic);
    }

    public static NmfModelParameters Read(BinaryReader reader)
    {
        try
        {
            return ReadCore(reader);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("The NMF model payload is truncated: it ends before the data it declares. The model file is damaged; save the model again.", e);
        }
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
        Check((long)rank * features * sizeof(float) <= Remaining(reader), $"Rank {rank} x {features} features needs more bytes than the payload holds.");
        int solver = reader.ReadInt32();
        Check(Enum.IsDefined((NmfSolver)solver), $"Unknown solver code {solver}.");
        int loss = reader.ReadInt32();
        Check(Enum.IsDefined((NmfLoss)loss), $"Unknown loss code {loss}.");
        double beta = reader.ReadDouble();
        Check(double.IsFinite(beta), $"Invalid beta {beta}.");
        double l1 = reader.ReadDouble(), l2 = reader.ReadDouble();
        Check(l1 >= 0 && l2 >= 0 && double.IsFinite(l1) && double.IsFinite(l2), $"Invalid penalties L1 = {l1}, L2 = {l2}.");
        double tolerance = reader.ReadDouble();
        Check(tolerance >= 0 && double.IsFinite(tolerance), $"Invalid projection tolerance {tolerance}.");
        int sweeps = reader.ReadInt32();
        Check(sweeps >= 1, $"Invalid projection sweep limit {sweeps}.");
        var components = new float[rank * features];
        for (int i = 0; i < components.Length; i++)
        {
            float v = reader.ReadSingle();
            Check(v >= 0 && float.IsFinite(v), $"Component {i / features}, feature {i % features} holds {v}; components must be finite and non-negative.");
            components[i] = v;
        }
        int iterations = reader.ReadInt32();
        Check(iterations >= 0, $"Invalid iteration count {iterations}.");
        bool converged = reader.ReadBoolean();
        double error = reader.ReadDouble(), divergence = reader.ReadDouble();
        Check(double.IsFinite(error) && error >= 0, $"Invalid reconstruction error {error}.");
        Check(!double.IsNaN(divergence), $"Invalid divergence {divergence}.");
        int historyCount = reader.ReadInt32();
        Check(historyCount >= 0 && (long)historyCount * sizeof(double) <= Remaining(reader), $"Invalid loss history length {historyCount}.");
        var history = new double[historyCount];
        for (int i = 0; i < historyCount; i++)
            history[i] = reader.ReadDouble();
        int nameCount = reader.ReadInt32();
        Check(nameCount == 0 || nameCount == features, $"The model has {nameCount} slot names for {features} features.");
        Check(nameCount <= Remaining(reader), $"Invalid slot name count {nameCount}.");
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
        uint end = reader.ReadUInt32();
        Check(end == EndMagic, $"The NMF payload does not end with its end marker; the model file is damaged.");
        return new NmfModelParameters(rank, features, components, (NmfSolver)solver, (NmfLoss)loss, beta, new Penalty(l1, l2),
            tolerance, sweeps, iterations, converged, error, divergence, history, names, missingValues);
    }

    private static long Remaining(BinaryReader reader) =>
        reader.BaseStream.CanSeek ? reader.BaseStream.Length - reader.BaseStream.Position : long.MaxValue;

    private static void Check(bool condition, FormattableString message)
    {
        if (!condition)
            throw new InvalidDataException("Invalid MLNet.Nmf model: " + message.ToString(CultureInfo.InvariantCulture));
    }
}
