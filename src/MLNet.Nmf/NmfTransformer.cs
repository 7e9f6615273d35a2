using System.ComponentModel;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNet.Nmf;
using MLNet.Nmf.DataReading;
using MLNet.Nmf.Engine.Projection;
using MLNet.Nmf.Serialization;

[assembly: LoadableClass(NmfTransformer.Summary, typeof(NmfTransformer), null, typeof(SignatureLoadModel),
    NmfTransformer.UserName, NmfTransformer.LoaderSignature)]
[assembly: LoadableClass(typeof(IRowMapper), typeof(NmfTransformer), null, typeof(SignatureLoadRowMapper),
    NmfTransformer.UserName, NmfTransformer.LoaderSignature)]
[assembly: LoadableClass(NmfTransformer.Summary, typeof(IDataTransform), typeof(NmfTransformer), null, typeof(SignatureLoadDataTransform),
    NmfTransformer.UserName, NmfTransformer.LoaderSignature)]

namespace MLNet.Nmf;

/// <summary>
/// Appends to each row its non-negative features w (length <see cref="NmfModelParameters.Rank"/>): the
/// projection of the input row x onto the fixed components H, i.e. the w ≥ 0 minimizing the model's
/// objective d_β(x, wH) + penalties(w). Created by <see cref="NmfEstimator.Fit(IDataView)"/> or loaded from a model zip.
/// </summary>
/// <remarks>
/// Lazy like every ML.NET transform; works through <c>GetRowToRowMapper</c> and <c>PredictionEngine</c>.
/// Immutable and safe to share across threads (use one PredictionEngine per thread, as ML.NET prescribes).
/// The input's values must be finite and non-negative; otherwise reading the output throws an
/// <see cref="InvalidOperationException"/> naming the column, row, slot and value. Rows of any finite
/// magnitude are projected (rows beyond float's comfortable range are scaled by an exact power of two
/// first); a row whose features float cannot represent at all is refused the same way, never given ∞ or NaN.
/// </remarks>
public sealed class NmfTransformer : OneToOneTransformerBase
{
    internal const string Summary = "Non-negative matrix factorization: projects a non-negative vector onto learned non-negative components.";
    internal const string UserName = "Non-Negative Matrix Factorization Transform";
    internal const string LoaderSignature = "MLNetNmfTransform";

    internal NmfTransformer(IHostEnvironment env, string outputColumnName, string inputColumnName, NmfModelParameters model)
        : base(Contracts.CheckRef(env, nameof(env)).Register(nameof(NmfTransformer)), (outputColumnName, inputColumnName))
    {
        Model = model;
    }

    private NmfTransformer(IHost host, ModelLoadContext ctx)
        : base(host, ctx)
    {
        // <base: column names> then the MLNet.Nmf payload.
        if (ColumnPairs.Length != 1)
            throw new InvalidDataException($"Invalid MLNet.Nmf model: it declares {ColumnPairs.Length} column pairs, expected 1.");
        Model = NmfModelFormat.Read(ctx.Reader, MLNetInterop.Interop.RemainingInModel(ctx));
    }

    /// <summary>
    /// Creates the ordinary transformer for components fitted elsewhere — by a distributed fit (MLNet.Nmf.Orleans)
    /// or any driver of the engine — so that it saves with <c>mlContext.Model.Save</c> and loads with
    /// <c>mlContext.Model.Load</c> like one made by <see cref="NmfEstimator.Fit(IDataView)"/>. Its rows are projected with
    /// the penalty on W and the projection settings of <paramref name="options"/>, exactly as the fit that
    /// produced the components projects its own rows.
    /// </summary>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <param name="outputColumnName">The appended column (known-size vector of Single, length = the rank).</param>
    /// <param name="inputColumnName">The input column (known-size vector of Single, length = the components' columns).</param>
    /// <param name="components">H (rank x features), finite and non-negative.</param>
    /// <param name="options">The fit's settings (solver, loss, penalties, projection tolerance).</param>
    /// <param name="iterations">Outer iterations the fit ran.</param>
    /// <param name="converged">Whether the tolerance stopped the fit.</param>
    /// <param name="lossHistory">The objective at the start and after each iteration.</param>
    /// <param name="reconstructionError">‖X − WH‖_F / ‖X‖_F on the training data (finite, ≥ 0).</param>
    /// <param name="divergence">d_β(X, WH) on the training data.</param>
    /// <param name="slotNames">The input's slot names (FeaturizeText's terms), or null.</param>
    /// <exception cref="ArgumentException">The components are not finite and non-negative, the slot names do not match the
    /// features, or the error is negative or not finite.</exception>
    public static NmfTransformer FromComponents(MLContext mlContext, string outputColumnName, string inputColumnName,
        Engine.Matrices.DenseMatrix components, Engine.NmfFitOptions options, int iterations, bool converged,
        IReadOnlyList<double> lossHistory, double reconstructionError, double divergence, IReadOnlyList<string>? slotNames = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputColumnName);
        ArgumentException.ThrowIfNullOrWhiteSpace(inputColumnName);
        ArgumentNullException.ThrowIfNull(components);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(lossHistory);
        var values = components.Values.ToArray();
        for (int i = 0; i < values.Length; i++)
            if (!(values[i] >= 0f) || !float.IsFinite(values[i]))
                throw new ArgumentException($"Component {i / components.Columns}, feature {i % components.Columns} holds {values[i]}; components must be finite and non-negative.", nameof(components));
        if (slotNames is not null && slotNames.Count != components.Columns)
            throw new ArgumentException($"{slotNames.Count} slot names for {components.Columns} features.", nameof(slotNames));
        if (!(reconstructionError >= 0) || !double.IsFinite(reconstructionError))
            throw new ArgumentException($"Invalid reconstruction error {reconstructionError}; it must be finite and non-negative.", nameof(reconstructionError));
        var (penaltyW, _) = Engine.Solvers.Penalty.For(options, 1, components.Columns); // W's penalty scales with the features only;
        var model = new NmfModelParameters(components.Rows, components.Columns, values, options.Solver, options.Loss,
            options.EffectiveBeta, penaltyW, options.ProjectionTolerance, options.ProjectionMaxIterations,
            iterations, converged, reconstructionError, divergence, lossHistory.ToArray(), slotNames?.ToArray());
        return new NmfTransformer(MLNetInterop.Interop.EnvironmentOf(mlContext.Transforms), outputColumnName, inputColumnName, model);
    }

    /// <summary>What the fit learned: components, outcome, topics, inverse transform.</summary>
    public NmfModelParameters Model { get; }

    /// <summary>Name of the appended column.</summary>
    public string OutputColumnName => ColumnPairs[0].outputColumnName;

    /// <summary>Name of the input column.</summary>
    public string InputColumnName => ColumnPairs[0].inputColumnName;

    private static VersionInfo GetVersionInfo() => new(
        modelSignature: "MLNETNMF",
        verWrittenCur: 0x00010001, // initial
        verReadableCur: 0x00010001,
        verWeCanReadBack: 0x00010001,
        loaderSignature: LoaderSignature,
        loaderAssemblyName: typeof(NmfTransformer).Assembly.FullName);

    // Factory for SignatureLoadModel.
    private static NmfTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        Contracts.CheckValue(env, nameof(env));
        var host = env.Register(nameof(NmfTransformer));
        host.CheckValue(ctx, nameof(ctx));
        ctx.CheckAtModel(GetVersionInfo());
        return new NmfTransformer(host, ctx);
    }

    // Factory for SignatureLoadDataTransform.
    private static IDataTransform Create(IHostEnvironment env, ModelLoadContext ctx, IDataView input)
        => Create(env, ctx).MakeDataTransform(input);

    // Factory for SignatureLoadRowMapper.
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
        private readonly NmfTransformer _transformer;

        public Mapper(NmfTransformer parent, DataViewSchema inputSchema)
            : base(parent.Host.Register(nameof(Mapper)), parent, inputSchema)
        {
            _transformer = parent;
        }

        public override DataViewSchema.DetachedColumn[] GetOutputColumnsCore()
        {
            int rank = _transformer.Model.Rank;
            var annotations = new DataViewSchema.Annotations.Builder();
            annotations.AddSlotNames(rank, (ref VBuffer<ReadOnlyMemory<char>> names) =>
            {
                var editor = VBufferEditor.Create(ref names, rank);
                for (int t = 0; t < rank; t++)
                    editor.Values[t] = $"Component{t}".AsMemory();
                names = editor.Commit();
            });
            return new[]
            {
                new DataViewSchema.DetachedColumn(_transformer.OutputColumnName,
                    new VectorDataViewType(NumberDataViewType.Single, rank), annotations.ToAnnotations()),
            };
        }

        public override Delegate MakeGetter(DataViewRow input, int iinfo, Func<int, bool> activeOutput, out Action disposer)
        {
            disposer = null!;
            var source = input.GetGetter<VBuffer<float>>(input.Schema[ColMapNewToOld[iinfo]]);
            var model = _transformer.Model;
            NmfProjector projector = model.Projector;
            var workspace = projector.CreateWorkspace(); // one per getter: a cursor is single-threaded
            string columnName = _transformer.InputColumnName;
            int rank = model.Rank;
            bool allowMissing = model.MissingValues == NmfMissingValues.Ignore;
            var row = default(VBuffer<float>);
            ValueGetter<VBuffer<float>> getter = (ref VBuffer<float> destination) =>
            {
                source(ref row);
                var values = row.GetValues();
                if (row.IsDense)
                {
                    for (int j = 0; j < values.Length; j++)
                        if (!(values[j] >= 0f) || values[j] == float.PositiveInfinity)
                            DataViewMatrixReader.Check(columnName, input.Position, j, values[j], allowMissing);
                }
                else
                {
                    var indices = row.GetIndices();
                    for (int p = 0; p < values.Length; p++)
                        if (!(values[p] >= 0f) || values[p] == float.PositiveInfinity)
                            DataViewMatrixReader.Check(columnName, input.Position, indices[p], values[p], allowMissing);
                }
                var editor = VBufferEditor.Create(ref destination, rank);
                try
                {
                    if (row.IsDense)
                        projector.Project(values, editor.Values, workspace);
                    else
                        projector.Project(row.GetIndices(), values, editor.Values, workspace);
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
