using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNet.Nmf.DataReading;
using MLNet.Nmf.Engine.Projection;
using MLNet.Nmf.Serialization;
using MLNet.Nmf.Topics;

namespace MLNet.Nmf.MLNetInterop;

/// <summary>
/// The ML.NET side of <see cref="NmfTransformer"/>: a one-to-one transformer over one or more column pairs (ML.NET's
/// internal <c>OneToOneTransformerBase</c>: lazy cursors, <c>GetRowToRowMapper</c>, <c>PredictionEngine</c>) and its
/// save format. Kept internal so that the plumbing members the base class demands (<c>SaveModel</c>,
/// <c>MakeRowMapper</c>, <c>CheckInputColumn</c>) never show on the public type.
/// </summary>
/// <remarks>
/// Stream layout after ML.NET's column header (count and names of the pairs). Version 0x00010002 (current): for each
/// pair, int64 payload length · NMF payload (<see cref="NmfModelFormat"/>) · int32 number of top terms that name the
/// output slots (0 = "Component{t}"), and nothing after the last pair. Version 0x00010001: one pair, its payload filling
/// the rest of the block; it still loads.
/// </remarks>
internal sealed class NmfColumnsTransformer : OneToOneTransformerBase
{
    internal const string LoaderSignature = "MLNetNmfTransform";
    private const uint VersionSinglePair = 0x00010001;
    private const uint VersionSlotNameTerms = 0x00010002; // several pairs; slot-naming terms after each payload
    private const int MaxSlotNameTerms = 100;

    public NmfColumnsTransformer(IHostEnvironment env, (string Output, string Input)[] columns, NmfModelParameters[] models, int[] slotNameTerms)
        : base(Contracts.CheckRef(env, nameof(env)).Register(nameof(NmfTransformer)), columns.Select(c => (c.Output, c.Input)).ToArray())
    {
        Models = models;
        SlotNameTerms = slotNameTerms;
    }

    private NmfColumnsTransformer(IHost host, ModelLoadContext ctx)
        : base(host, ctx)
    {
        if (ColumnPairs.Length < 1)
            throw new InvalidDataException("Invalid MLNet.Nmf model: it declares no column pair.");
        Models = new NmfModelParameters[ColumnPairs.Length];
        SlotNameTerms = new int[ColumnPairs.Length];
        if (ctx.Header.ModelVerWritten < VersionSlotNameTerms)
        {
            if (ColumnPairs.Length != 1)
                throw new InvalidDataException($"Invalid MLNet.Nmf model: it declares {ColumnPairs.Length} column pairs, expected 1.");
            Models[0] = NmfModelFormat.Read(ctx.Reader, Interop.RemainingInModel(ctx));
            return;
        }
        for (int i = 0; i < Models.Length; i++)
        {
            string column = ColumnPairs[i].outputColumnName;
            long length = ReadInt64(ctx, column);
            long remaining = Interop.RemainingInModel(ctx);
            long room = Math.Max(0, remaining - sizeof(int)); // the int32 slot-name term count follows the payload
            if (length < 0 || length > room)
                throw new InvalidDataException($"Invalid MLNet.Nmf model: the payload of column '{column}' declares {length} bytes but {room} remain for it before the slot-name term count; the model file is damaged.");
            Models[i] = NmfModelFormat.Read(ctx.Reader, length);
            int terms = ctx.Reader.ReadInt32();
            if (terms < 0 || terms > MaxSlotNameTerms)
                throw new InvalidDataException($"Invalid MLNet.Nmf model: column '{column}' names its slots after {terms} terms; expected 0 to {MaxSlotNameTerms}.");
            SlotNameTerms[i] = terms;
        }
        long trailing = Interop.RemainingInModel(ctx);
        if (trailing != 0)
            throw new InvalidDataException($"Invalid MLNet.Nmf model: {trailing} bytes follow the last column's payload; the model file is damaged.");
    }

    private static long ReadInt64(ModelLoadContext ctx, string column)
    {
        if (Interop.RemainingInModel(ctx) < sizeof(long))
            throw new InvalidDataException($"Invalid MLNet.Nmf model: it ends before the payload of column '{column}'; the model file is damaged.");
        return ctx.Reader.ReadInt64();
    }

    public NmfModelParameters[] Models { get; }
    public int[] SlotNameTerms { get; }

    internal static VersionInfo GetVersionInfo() => new(
        modelSignature: "MLNETNMF",
        verWrittenCur: VersionSlotNameTerms,
        verReadableCur: VersionSlotNameTerms,
        verWeCanReadBack: VersionSinglePair,
        loaderSignature: LoaderSignature,
        loaderAssemblyName: typeof(NmfColumnsTransformer).Assembly.FullName);

    public static NmfColumnsTransformer Load(IHostEnvironment env, ModelLoadContext ctx)
    {
        Contracts.CheckValue(env, nameof(env));
        SupportedMLNet.EnsureLoadedVersionIsSupported();
        var host = env.Register(nameof(NmfTransformer));
        host.CheckValue(ctx, nameof(ctx));
        ctx.CheckAtModel(GetVersionInfo());
        return new NmfColumnsTransformer(host, ctx);
    }

    public override void SaveModel(ModelSaveContext ctx)
    {
        Host.CheckValue(ctx, nameof(ctx));
        ctx.CheckAtModel();
        ctx.SetVersionInfo(GetVersionInfo());
        SaveColumns(ctx);
        for (int i = 0; i < Models.Length; i++)
        {
            using var payload = new MemoryStream();
            using (var writer = new BinaryWriter(payload, System.Text.Encoding.UTF8, leaveOpen: true))
                NmfModelFormat.Write(writer, Models[i]);
            ctx.Writer.Write(payload.Length);
            payload.WriteTo(ctx.Writer.BaseStream);
            ctx.Writer.Write(SlotNameTerms[i]);
        }
    }

    public IDataTransform ToDataTransform(IDataView input) => MakeDataTransform(input);

    public override IRowMapper MakeRowMapper(DataViewSchema schema) => new Mapper(this, schema);

    public override void CheckInputColumn(DataViewSchema inputSchema, int col, int srcCol) =>
        NmfEstimator.CheckInputType(Host, inputSchema[srcCol].Name, inputSchema[srcCol].Type, Models[col].FeatureCount);

    /// <summary>The output slot names of pair <paramref name="column"/>: "Component{t}", or the top terms when asked and known.</summary>
    internal string[] OutputSlotNames(int column)
    {
        var model = Models[column];
        int terms = SlotNameTerms[column];
        return Enumerable.Range(0, model.Rank)
            .Select(t => terms > 0 && model.SlotNames != null ? SlotNameText.SlotName(model.GetTopTerms(t, terms)) : $"Component{t}")
            .ToArray();
    }

    private sealed class Mapper : OneToOneMapperBase
    {
        private readonly NmfColumnsTransformer _owner;

        public Mapper(NmfColumnsTransformer parent, DataViewSchema inputSchema)
            : base(parent.Host.Register(nameof(Mapper)), parent, inputSchema)
        {
            _owner = parent;
        }

        public override DataViewSchema.DetachedColumn[] GetOutputColumnsCore()
        {
            var columns = new DataViewSchema.DetachedColumn[_owner.Models.Length];
            for (int i = 0; i < columns.Length; i++)
            {
                string[] names = _owner.OutputSlotNames(i);
                var annotations = new DataViewSchema.Annotations.Builder();
                annotations.AddSlotNames(names.Length, (ref VBuffer<ReadOnlyMemory<char>> slots) =>
                {
                    var editor = VBufferEditor.Create(ref slots, names.Length);
                    for (int t = 0; t < names.Length; t++)
                        editor.Values[t] = names[t].AsMemory();
                    slots = editor.Commit();
                });
                columns[i] = new DataViewSchema.DetachedColumn(_owner.ColumnPairs[i].outputColumnName,
                    new VectorDataViewType(NumberDataViewType.Single, names.Length), annotations.ToAnnotations());
            }
            return columns;
        }

        public override Delegate MakeGetter(DataViewRow input, int iinfo, Func<int, bool> activeOutput, out Action disposer)
        {
            disposer = null!;
            var source = input.GetGetter<VBuffer<float>>(input.Schema[ColMapNewToOld[iinfo]]);
            var model = _owner.Models[iinfo];
            NmfProjector projector = model.Projector;
            var workspace = projector.CreateWorkspace(); // one per getter: a cursor is single-threaded
            string columnName = _owner.ColumnPairs[iinfo].inputColumnName;
            int rank = model.Rank, size = model.FeatureCount;
            bool allowMissing = model.MissingValues == NmfMissingValues.Ignore;
            var row = default(VBuffer<float>);
            ValueGetter<VBuffer<float>> getter = (ref VBuffer<float> destination) =>
            {
                source(ref row);
                DataViewMatrixReader.CheckLength(columnName, input.Position, row.Length, size);
                var values = row.GetValues();
                var editor = VBufferEditor.Create(ref destination, rank);
                try
                {
                    if (row.IsDense)
                        projector.Project(values, editor.Values, workspace); // checks the values
                    else
                        projector.Project(row.GetIndices(), values, editor.Values, workspace); // checks the indices and values
                }
                catch (ArgumentException e) when (e.ParamName is "values" or "row")
                {
                    DataViewMatrixReader.CheckValues(columnName, input.Position, row, allowMissing); // the column's message
                    throw;
                }
                catch (ArgumentException e) when (!row.IsDense
                    && DataViewMatrixReader.IndexError(columnName, input.Position, row.GetIndices(), size, e) is { } indexError)
                {
                    throw indexError;
                }
                catch (OverflowException e)
                {
                    throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                        $"Column '{columnName}' at row {input.Position}: {e.Message}"), e);
                }
                destination = editor.Commit();
            };
            return getter;
        }
    }
}
