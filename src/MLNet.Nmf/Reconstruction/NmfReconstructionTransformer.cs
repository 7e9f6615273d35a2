using System.ComponentModel;
using System.Runtime.CompilerServices;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNet.Nmf;
using MLNet.Nmf.DataReading;
using MLNet.Nmf.MLNetInterop;
using MLNet.Nmf.Serialization;

[assembly: LoadableClass(NmfReconstructionTransformer.Summary, typeof(NmfReconstructionTransformer), null, typeof(SignatureLoadModel),
    NmfReconstructionTransformer.UserName, NmfReconstructionTransformer.LoaderSignature)]
[assembly: LoadableClass(typeof(IRowMapper), typeof(NmfReconstructionTransformer), null, typeof(SignatureLoadRowMapper),
    NmfReconstructionTransformer.UserName, NmfReconstructionTransformer.LoaderSignature)]
[assembly: LoadableClass(NmfReconstructionTransformer.Summary, typeof(IDataTransform), typeof(NmfReconstructionTransformer), null, typeof(SignatureLoadDataTransform),
    NmfReconstructionTransformer.UserName, NmfReconstructionTransformer.LoaderSignature)]

namespace MLNet.Nmf;

/// <summary>
/// Appends, from one input column x and fixed components H, any of: the features w (length rank, as
/// <see cref="NmfTransformer"/>), the reconstruction x̂ = w·H (every slot, including those the row had missing:
/// the imputation) and the row's reconstruction error (a Single: the root mean square of x − x̂ over the observed
/// slots; NaN, ML.NET's missing value, when none is observed, as no error can be measured there; a large value flags a row the
/// parts do not explain). Created by
/// <c>mlContext.Transforms.NonNegativeMatrixFactorizationReconstruction(...)</c>; saved and loaded like the rest.
/// </summary>
/// <remarks>
/// The three outputs of a row share one projection. NaN input slots are missing when the model was fitted with
/// <see cref="NmfMissingValues.Ignore"/>, and refused otherwise, as in <see cref="NmfTransformer"/>. Reading the
/// reconstruction or the error of a row whose reconstruction or error float cannot represent (a row far larger than the
/// training data) throws an <see cref="InvalidOperationException"/> naming the column and row; its features are still given.
/// </remarks>
public sealed class NmfReconstructionTransformer : OneToOneTransformerBase
{
    internal const string Summary = "Non-negative matrix factorization: appends the features, the reconstruction w·H and the per-row reconstruction error.";
    internal const string UserName = "Non-Negative Matrix Factorization Reconstruction Transform";
    internal const string LoaderSignature = "MLNetNmfReconstruct";

    private readonly NmfReconstructionOutput[] _kinds;

    internal NmfReconstructionTransformer(IHostEnvironment env, string inputColumnName,
        IReadOnlyList<(string Name, NmfReconstructionOutput Kind)> outputs, NmfModelParameters model)
        : base(Contracts.CheckRef(env, nameof(env)).Register(nameof(NmfReconstructionTransformer)),
            outputs.Select(o => (o.Name, inputColumnName)).ToArray())
    {
        Model = model;
        _kinds = outputs.Select(o => o.Kind).ToArray();
    }

    private NmfReconstructionTransformer(IHost host, ModelLoadContext ctx)
        : base(host, ctx)
    {
        // <base: column names> · int32 count · count kinds · the MLNet.Nmf payload.
        int count = ctx.Reader.ReadInt32();
        if (count != ColumnPairs.Length || count < 1 || count > 3)
            throw new InvalidDataException($"Invalid MLNet.Nmf reconstruction model: {count} output kinds for {ColumnPairs.Length} column pairs.");
        _kinds = new NmfReconstructionOutput[count];
        for (int i = 0; i < count; i++)
        {
            int kind = ctx.Reader.ReadInt32();
            if (!Enum.IsDefined((NmfReconstructionOutput)kind))
                throw new InvalidDataException($"Invalid MLNet.Nmf reconstruction model: unknown output kind {kind}.");
            _kinds[i] = (NmfReconstructionOutput)kind;
        }
        // As the estimator writes them: each kind at most once, in enum order, not Features alone. The kinds are outside the
        // payload's checksum; this refuses every single damaged kind of a model with all three outputs or with features
        // and reconstruction (not one that turns Features+Error into Reconstruction+Error, which is also a valid set).
        bool increasing = _kinds.Zip(_kinds.Skip(1)).All(p => p.First < p.Second);
        if (!increasing || _kinds.All(k => k == NmfReconstructionOutput.Features))
            throw new InvalidDataException($"Invalid MLNet.Nmf reconstruction model: its output kinds are {string.Join(", ", _kinds)}, but a fit writes each kind at most once, in the order Features, Reconstruction, Error, and not Features alone. The model file is damaged.");
        if (ColumnPairs.Select(p => p.inputColumnName).Distinct().Count() != 1)
            throw new InvalidDataException("Invalid MLNet.Nmf reconstruction model: its outputs read different input columns.");
        Model = NmfModelFormat.Read(ctx.Reader, MLNetInterop.Interop.RemainingInModel(ctx));
    }

    /// <summary>What the fit learned: components, outcome, missing-values mode.</summary>
    public NmfModelParameters Model { get; }

    /// <summary>Name of the input column.</summary>
    public string InputColumnName => ColumnPairs[0].inputColumnName;

    /// <summary>The appended columns and what each holds.</summary>
    public IReadOnlyList<(string Name, NmfReconstructionOutput Kind)> Outputs =>
        ColumnPairs.Select((p, i) => (p.outputColumnName, _kinds[i])).ToArray();

    private static VersionInfo GetVersionInfo() => new(
        modelSignature: "MLNMFREC",
        verWrittenCur: 0x00010001, // initial
        verReadableCur: 0x00010001,
        verWeCanReadBack: 0x00010001,
        loaderSignature: LoaderSignature,
        loaderAssemblyName: typeof(NmfReconstructionTransformer).Assembly.FullName);

    private static NmfReconstructionTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        Contracts.CheckValue(env, nameof(env));
        // As the NMF transformer's loader: a model whose only NMF step is this one is refused under an unsupported ML.NET
        // with the message naming both versions, not a MissingMethodException from the internals it then uses.
        SupportedMLNet.EnsureLoadedVersionIsSupported();
        var host = env.Register(nameof(NmfReconstructionTransformer));
        host.CheckValue(ctx, nameof(ctx));
        ctx.CheckAtModel(GetVersionInfo());
        return new NmfReconstructionTransformer(host, ctx);
    }

    private static IDataTransform Create(IHostEnvironment env, ModelLoadContext ctx, IDataView input)
        => Create(env, ctx).MakeDataTransform(input);

    private static IRowMapper Create(IHostEnvironment env, ModelLoadContext ctx, DataViewSchema inputSchema)
        => Create(env, ctx).MakeRowMapper(inputSchema);

    /// <summary>Part of ML.NET's save plumbing; use <c>mlContext.Model.Save</c>.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public override void SaveModel(ModelSaveContext ctx)
    {
        Host.CheckValue(ctx, nameof(ctx));
        ctx.CheckAtModel();
        ctx.SetVersionInfo(GetVersionInfo());
        SaveColumns(ctx);
        ctx.Writer.Write(_kinds.Length);
        foreach (var kind in _kinds)
            ctx.Writer.Write((int)kind);
        NmfModelFormat.Write(ctx.Writer, Model);
    }

    /// <summary>Part of ML.NET's transform plumbing.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public override IRowMapper MakeRowMapper(DataViewSchema schema) => new Mapper(this, schema);

    /// <summary>Part of ML.NET's transform plumbing: checks the input column's type.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public override void CheckInputColumn(DataViewSchema inputSchema, int col, int srcCol) =>
        NmfEstimator.CheckInputType(Host, inputSchema[srcCol].Name, inputSchema[srcCol].Type, Model.FeatureCount);

    private sealed class Mapper : OneToOneMapperBase
    {
        private readonly NmfReconstructionTransformer _transformer;
        private readonly ConditionalWeakTable<DataViewRow, NmfRowReconstruction> _rows = new();

        public Mapper(NmfReconstructionTransformer parent, DataViewSchema inputSchema)
            : base(parent.Host.Register(nameof(Mapper)), parent, inputSchema)
        {
            _transformer = parent;
        }

        public override DataViewSchema.DetachedColumn[] GetOutputColumnsCore()
        {
            var model = _transformer.Model;
            var columns = new DataViewSchema.DetachedColumn[_transformer._kinds.Length];
            for (int i = 0; i < columns.Length; i++)
            {
                string name = _transformer.ColumnPairs[i].outputColumnName;
                columns[i] = _transformer._kinds[i] switch
                {
                    NmfReconstructionOutput.Features => new DataViewSchema.DetachedColumn(name,
                        new VectorDataViewType(NumberDataViewType.Single, model.Rank), SlotNames(model.Rank, t => $"Component{t}")),
                    NmfReconstructionOutput.Reconstruction => new DataViewSchema.DetachedColumn(name,
                        new VectorDataViewType(NumberDataViewType.Single, model.FeatureCount),
                        SlotNames(model.FeatureCount, j => model.SlotNames?[j] ?? $"Slot{j}")),
                    _ => new DataViewSchema.DetachedColumn(name, NumberDataViewType.Single),
                };
            }
            return columns;
        }

        private static DataViewSchema.Annotations SlotNames(int count, Func<int, string> name)
        {
            var annotations = new DataViewSchema.Annotations.Builder();
            annotations.AddSlotNames(count, (ref VBuffer<ReadOnlyMemory<char>> names) =>
            {
                var editor = VBufferEditor.Create(ref names, count);
                for (int i = 0; i < count; i++)
                    editor.Values[i] = name(i).AsMemory();
                names = editor.Commit();
            });
            return annotations.ToAnnotations();
        }

        public override Delegate MakeGetter(DataViewRow input, int iinfo, Func<int, bool> activeOutput, out Action disposer)
        {
            disposer = null!;
            var model = _transformer.Model;
            // One projection per input row, shared by the outputs of this mapper (a cursor is single-threaded).
            var state = _rows.GetValue(input, row => new NmfRowReconstruction(model, _transformer.InputColumnName,
                row.GetGetter<VBuffer<float>>(row.Schema[ColMapNewToOld[iinfo]])));
            switch (_transformer._kinds[iinfo])
            {
                case NmfReconstructionOutput.Features:
                    return (ValueGetter<VBuffer<float>>)((ref VBuffer<float> destination) =>
                    {
                        state.Update(input.Position);
                        var editor = VBufferEditor.Create(ref destination, model.Rank);
                        state.Features.CopyTo(editor.Values);
                        destination = editor.Commit();
                    });
                case NmfReconstructionOutput.Reconstruction:
                    return (ValueGetter<VBuffer<float>>)((ref VBuffer<float> destination) =>
                    {
                        state.Update(input.Position);
                        var editor = VBufferEditor.Create(ref destination, model.FeatureCount);
                        state.Reconstruction.CopyTo(editor.Values);
                        destination = editor.Commit();
                    });
                default:
                    return (ValueGetter<float>)((ref float destination) =>
                    {
                        state.Update(input.Position);
                        destination = state.Error;
                    });
            }
        }
    }
}
