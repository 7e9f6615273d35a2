using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Nmf.DataReading;
using MLNet.Nmf.Engine.Projection;

namespace MLNet.Nmf;

/// <summary>
/// The features, reconstruction and error of the current row of one cursor, computed once per row position and
/// shared by the getters of <see cref="NmfReconstructionTransformer"/>. Not thread-safe (a cursor is not).
/// </summary>
internal sealed class NmfRowReconstruction
{
    private readonly NmfModelParameters _model;
    private readonly string _columnName;
    private readonly ValueGetter<VBuffer<float>> _source;
    private readonly ProjectionWorkspace _workspace;
    private readonly bool _allowMissing;
    private VBuffer<float> _row;
    private long _position = -1;

    public NmfRowReconstruction(NmfModelParameters model, string columnName, ValueGetter<VBuffer<float>> source)
    {
        _model = model;
        _columnName = columnName;
        _source = source;
        _workspace = model.Projector.CreateWorkspace();
        _allowMissing = model.MissingValues == NmfMissingValues.Ignore;
        Features = new float[model.Rank];
        _reconstruction = new float[model.FeatureCount];
    }

    private readonly float[] _reconstruction;
    private float _error;
    private OverflowException? _overflow; // the current row's reconstruction or error is beyond float

    public float[] Features { get; }

    /// <summary>x̂ = w·H of the current row.</summary>
    /// <exception cref="InvalidOperationException">A slot is beyond float's range (the features alone are still readable).</exception>
    public float[] Reconstruction => _overflow is null ? _reconstruction : throw Overflow(_position, _overflow);

    /// <summary>The current row's RMS error over its observed slots; NaN (missing) when it has none.</summary>
    /// <exception cref="InvalidOperationException">The reconstruction or the error is beyond float's range.</exception>
    public float Error => _overflow is null ? _error : throw Overflow(_position, _overflow);

    /// <summary>Reads, checks and projects the row at <paramref name="position"/> unless it already did.</summary>
    public void Update(long position)
    {
        if (position == _position)
            return;
        _source(ref _row);
        DataViewMatrixReader.CheckLength(_columnName, position, _row.Length, _model.FeatureCount);
        var values = _row.GetValues();
        var projector = _model.Projector;
        try
        {
            if (_row.IsDense)
                projector.Project(values, Features, _workspace); // checks the values
            else
                projector.Project(_row.GetIndices(), values, Features, _workspace); // checks the indices (ObservedError relies on them) and values
        }
        catch (ArgumentException e) when (e.ParamName is "values" or "row")
        {
            DataViewMatrixReader.CheckValues(_columnName, position, _row, _allowMissing); // the column's message
            throw;
        }
        catch (ArgumentException e) when (!_row.IsDense
            && DataViewMatrixReader.IndexError(_columnName, position, _row.GetIndices(), _model.FeatureCount, e) is { } indexError)
        {
            throw indexError;
        }
        catch (OverflowException e)
        {
            throw Overflow(position, e);
        }
        _overflow = null;
        try
        {
            _model.Reconstruct(Features, _reconstruction);
            double error = ObservedError();
            _error = (float)error;
            if (float.IsInfinity(_error))
                throw new OverflowException(string.Create(CultureInfo.InvariantCulture,
                    $"NMF cannot represent the row's reconstruction error in float ({error:G6}). Scale the row down, or use components fitted on data of this magnitude."));
        }
        catch (OverflowException e)
        {
            _overflow = e; // thrown by the reconstruction and error getters only: the features are fine
        }
        _position = position;
    }

    private InvalidOperationException Overflow(long position, OverflowException e) =>
        new(string.Create(CultureInfo.InvariantCulture, $"Column '{_columnName}' at row {position}: {e.Message}"), e);

    /// <summary>
    /// √(Σ_{observed j} (x_j − x̂_j)² / #observed) in double, before rounding to float; implicit zeros of a sparse row are
    /// observed, and its indices are known to be strictly increasing slots. NaN when no slot is observed: there is nothing to
    /// measure, and 0 would claim a perfect reconstruction. (Otherwise finite: a square of a difference of floats fits in double.)
    /// </summary>
    private double ObservedError()
    {
        double sum = 0;
        long observed = 0;
        var values = _row.GetValues();
        if (_row.IsDense)
        {
            for (int j = 0; j < values.Length; j++)
                Accumulate(values[j], _reconstruction[j], ref sum, ref observed);
        }
        else
        {
            var indices = _row.GetIndices();
            int p = 0;
            for (int j = 0; j < _reconstruction.Length; j++)
            {
                float x = p < indices.Length && indices[p] == j ? values[p++] : 0f;
                Accumulate(x, _reconstruction[j], ref sum, ref observed);
            }
        }
        return observed == 0 ? double.NaN : Math.Sqrt(sum / observed);
    }

    private static void Accumulate(float x, float y, ref double sum, ref long observed)
    {
        if (float.IsNaN(x))
            return;
        double d = (double)x - y;
        sum += d * d;
        observed++;
    }
}
