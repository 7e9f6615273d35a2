using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Nmf.Engine.Matrices;

namespace MLNet.Nmf.DataReading;

/// <summary>
/// Reads one known-size Single vector column of an <see cref="IDataView"/> into the engine's storage in
/// a single cursor pass: CSR when any row arrives as a sparse VBuffer (what FeaturizeText emits), dense
/// otherwise. Sparse data is never densified. Values are checked on the way in.
/// </summary>
internal static class DataViewMatrixReader
{
    /// <summary>Rows read between two calls of a read's cancellation check.</summary>
    public const int RowsPerCancellationCheck = 1024;

    public static (INmfMatrix Matrix, string[]? SlotNames) Read(IDataView data, string columnName, int size,
        NmfMissingValues missingValues = NmfMissingValues.Error, Action? checkAlive = null, Action<string>? warn = null) =>
        TryRead(data, columnName, size, long.MaxValue, missingValues, checkAlive, warn)!.Value;

    /// <summary>
    /// As <see cref="Read"/>, but gives up (returns null) as soon as the copy being built would need more than
    /// <paramref name="budgetBytes"/>: its growing lists and the final arrays take about three times the CSR's
    /// 8 bytes per stored value at the peak (dense data: plus the dense matrix and the transposed copy the fit builds).
    /// <paramref name="checkAlive"/> (ML.NET's <c>IHost.CheckAlive</c>, which throws once <c>MLContext.CancelExecution</c>
    /// was called) runs every <see cref="RowsPerCancellationCheck"/> rows and after the last one, so that a cancelled fit
    /// stops reading an expensive pipeline instead of reading it to the end. <paramref name="warn"/> is told of slots that
    /// are missing (NaN) in every row, which the fit cannot learn.
    /// </summary>
    public static (INmfMatrix Matrix, string[]? SlotNames)? TryRead(IDataView data, string columnName, int size, long budgetBytes,
        NmfMissingValues missingValues = NmfMissingValues.Error, Action? checkAlive = null, Action<string>? warn = null)
    {
        bool allowMissing = missingValues == NmfMissingValues.Ignore;
        var column = data.Schema[columnName];
        var rowPointers = new List<int> { 0 };
        var indices = new List<int>();
        var values = new List<float>();
        bool anySparse = false;
        long row = 0;
        using (var cursor = data.GetRowCursor(new[] { column }))
        {
            var getter = cursor.GetGetter<VBuffer<float>>(column);
            var buffer = default(VBuffer<float>);
            while (cursor.MoveNext())
            {
                getter(ref buffer);
                if (buffer.Length != size)
                    throw WrongLength(columnName, row, buffer.Length, size);
                var v = buffer.GetValues();
                if (buffer.IsDense)
                {
                    for (int j = 0; j < v.Length; j++)
                    {
                        Check(columnName, row, j, v[j], allowMissing);
                        if (v[j] != 0f)
                        {
                            indices.Add(j);
                            values.Add(v[j]);
                        }
                    }
                }
                else
                {
                    anySparse = true;
                    var idx = buffer.GetIndices();
                    CheckIndices(columnName, row, idx, size);
                    for (int p = 0; p < v.Length; p++)
                    {
                        Check(columnName, row, idx[p], v[p], allowMissing);
                        if (v[p] != 0f)
                        {
                            indices.Add(idx[p]);
                            values.Add(v[p]);
                        }
                    }
                }
                if (indices.Count < 0 || indices.Count == int.MaxValue)
                    throw new InvalidOperationException($"Column '{columnName}' has more than {int.MaxValue} non-zero values; NMF supports up to that many.");
                rowPointers.Add(indices.Count);
                row++;
                if (row % RowsPerCancellationCheck == 0)
                    checkAlive?.Invoke();
                if (24L * indices.Count + 12L * row + (anySparse ? 0 : 8L * row * size) > budgetBytes)
                    return null;
            }
        }
        checkAlive?.Invoke();
        if (row == 0)
            throw NoRows(columnName);
        if (row > int.MaxValue)
            throw new InvalidOperationException($"The training data has {row} rows; NMF supports up to {int.MaxValue}.");
        if (indices.Count == 0)
            throw AllZeros(columnName);
        if (allowMissing && !values.Exists(v => v > 0f)) // the stored values are all NaN: nothing observed but zeros
            throw NothingObserved(columnName);
        if (allowMissing && warn is not null && NeverObserved(columnName, indices, values, row, size) is { } unobserved)
            warn(unobserved);

        var csr = new CsrMatrix((int)row, size, rowPointers.ToArray(), indices.ToArray(), values.ToArray(), missingValues);
        INmfMatrix matrix = anySparse ? csr : csr.ToDense();
        return (matrix, ReadSlotNames(column, size));
    }

    /// <summary>
    /// True when <see cref="TryRead"/> would certainly give up: the data tells its row count (<c>GetRowCount()</c>), and the
    /// 12 bytes per row that its copy costs whatever the values already exceed <paramref name="budgetBytes"/>. Lets a read
    /// that could only end over the budget be refused before the first row.
    /// </summary>
    public static bool RowsAloneExceed(IDataView data, long budgetBytes) =>
        data.GetRowCount() is long rows && rows > budgetBytes / 12;

    /// <summary>The error for a column without rows (in-memory and streamed reading alike).</summary>
    public static InvalidOperationException NoRows(string columnName) =>
        new($"The training data has no rows in column '{columnName}'; NMF needs at least one row.");

    /// <summary>The error for a column whose every value is zero (in-memory and streamed reading alike).</summary>
    public static InvalidOperationException AllZeros(string columnName) =>
        new($"Column '{columnName}' is all zeros in the training data; there is nothing to factorize.");

    /// <summary>
    /// The warning for slots missing (NaN) in every one of the <paramref name="rows"/> rows read, or null when every slot is
    /// observed somewhere: the fit learns nothing there (the components hold 0), so the reconstruction imputes 0.
    /// </summary>
    private static string? NeverObserved(string columnName, List<int> indices, List<float> values, long rows, int size)
    {
        long[]? missing = null;
        for (int p = 0; p < values.Count; p++)
            if (float.IsNaN(values[p]))
                (missing ??= new long[size])[indices[p]]++;
        if (missing is null)
            return null;
        var slots = Enumerable.Range(0, size).Where(j => missing[j] == rows).ToArray();
        if (slots.Length == 0)
            return null;
        string listed = string.Join(", ", slots.Take(10)) + (slots.Length > 10 ? ", ..." : "");
        return Invariant($"Column '{columnName}' has {(slots.Length == 1 ? "slot" : "slots")} {listed} ({slots.Length} of {size}) missing (NaN) in every training row: the fit learns nothing there (the components hold 0), so the reconstruction imputes 0 for them. Drop those slots, or fit on rows that observe them.");
    }

    /// <summary>The error for a column whose every value is missing (NaN) or zero, when NaN marks a missing entry.</summary>
    public static InvalidOperationException NothingObserved(string columnName) =>
        new($"Column '{columnName}' has no observed non-zero value in the training data: every entry is missing (NaN) or zero, so there is nothing to factorize. Fit on rows that have observed values.");

    /// <summary>The error for a training row whose length is not its column's (in-memory and streamed reading alike).</summary>
    public static InvalidOperationException WrongLength(string columnName, long row, int length, int size) =>
        new(Invariant($"Column '{columnName}' has {length} slots at row {row}, but its type declares {size}. Give every row {size} slots."));

    /// <summary>
    /// Throws unless a sparse row's slot indices are strictly increasing and below <paramref name="size"/>, as a VBuffer
    /// must have them (ML.NET does not check a VBuffer built by hand), naming the column, row and indices.
    /// </summary>
    public static void CheckIndices(string columnName, long row, ReadOnlySpan<int> indices, int size)
    {
        if (IndexError(columnName, row, indices, size) is { } error)
            throw error;
    }

    /// <summary>
    /// The error <see cref="CheckIndices"/> throws for these indices, or null when they are valid. The transforms call it
    /// only when the projector (which checks every row's indices in its own single pass) refused a row, to name the column
    /// and row; <paramref name="inner"/> is the projector's error.
    /// </summary>
    public static InvalidOperationException? IndexError(string columnName, long row, ReadOnlySpan<int> indices, int size, Exception? inner = null)
    {
        int previous = -1;
        foreach (int j in indices)
        {
            if (j < 0 || j >= size)
                return new InvalidOperationException(Invariant(
                    $"Column '{columnName}' has slot index {j} at row {row}, outside its {size} slots. Build each sparse VBuffer with indices in [0, {size})."), inner);
            if (j <= previous)
                return new InvalidOperationException(Invariant(
                    $"Column '{columnName}' has slot indices out of order or repeated at row {row} ({previous} then {j}); a sparse VBuffer needs strictly increasing indices. Sort each row's indices and merge duplicates."), inner);
            previous = j;
        }
        return null;
    }

    /// <summary>
    /// Throws at the row's first value that is negative, infinite, or NaN where NaN does not mark a missing entry, naming the
    /// column, row and slot (<see cref="Check(string, long, int, float, bool)"/>). The projector checks the values itself, so
    /// a transform calls this only once the projector has refused the row, to give the column's message.
    /// </summary>
    public static void CheckValues(string columnName, long row, in VBuffer<float> buffer, bool allowMissing)
    {
        var values = buffer.GetValues();
        var indices = buffer.IsDense ? default : buffer.GetIndices();
        for (int p = 0; p < values.Length; p++)
            if (!(values[p] >= 0f) || values[p] == float.PositiveInfinity)
                Check(columnName, row, buffer.IsDense ? p : indices[p], values[p], allowMissing);
    }

    /// <summary>Throws when a value is negative, NaN or infinite, naming the column, row, slot and value.</summary>
    public static void Check(string columnName, long row, int slot, float value) => Check(columnName, row, slot, value, allowMissing: false);

    /// <summary>As <see cref="Check(string, long, int, float)"/>, but a NaN passes when it marks a missing entry.</summary>
    public static void Check(string columnName, long row, int slot, float value, bool allowMissing)
    {
        if (value >= 0f && value != float.PositiveInfinity || allowMissing && float.IsNaN(value))
            return;
        string what = float.IsNaN(value) ? "NaN" : float.IsInfinity(value) ? "an infinite value" : "a negative value";
        throw new InvalidOperationException(Invariant(
            $"Column '{columnName}' has {what} ({value}) at row {row}, slot {slot}; NMF needs finite, non-negative input. Clean, clip or shift the values (e.g. with a normalizer) before this transform."));
    }

    /// <summary>Throws unless a row read for a model of <paramref name="size"/> features has that many slots.</summary>
    public static void CheckLength(string columnName, long row, int length, int size)
    {
        if (length != size)
            throw new InvalidOperationException(Invariant(
                $"Column '{columnName}' has {length} slots at row {row}, but its type declares {size} (the model's features). Give every row {size} slots."));
    }

    public static string[]? ReadSlotNames(DataViewSchema.Column column, int size)
    {
        if (column.Annotations.Schema.GetColumnOrNull(AnnotationUtils.Kinds.SlotNames) is not { } slotColumn)
            return null;
        if (slotColumn.Type is not VectorDataViewType { ItemType: TextDataViewType } || slotColumn.Type.GetValueCount() != size)
            return null;
        var names = default(VBuffer<ReadOnlyMemory<char>>);
        column.GetSlotNames(ref names);
        var result = new string[size];
        int i = 0;
        foreach (var name in names.DenseValues())
            result[i++] = name.ToString();
        return result;
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
