using MLNet.Nmf.Engine.Kernels;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.Parallelism;
using MLNet.Nmf.Engine.Solvers;

namespace MLNet.Nmf.Engine.Projection;

/// <summary>The projection of rows with missing entries (NaN), for models fitted with <see cref="NmfMissingValues.Ignore"/>.</summary>
public sealed unsafe partial class NmfProjector
{
    /// <summary>
    /// True when NaN values in a projected row mark missing entries: the row's features are then fitted to its
    /// observed slots only, min_{w ≥ 0} ½ Σ_{j observed} (x_j − w·h_j)² + penalties, exactly as the fit treated its
    /// own rows. A row with nothing observed gets zero features. Only for the Frobenius loss.
    /// </summary>
    public bool AllowsMissing { get; }

    /// <summary>
    /// Refuses a matrix built with <see cref="NmfMissingValues.Ignore"/> that holds a NaN, for a projector that takes no
    /// missing entries: named by its row and column (the projection itself would only see NaN features).
    /// </summary>
    private static void RefuseMissing(INmfMatrix matrix)
    {
        if (matrix is DenseMatrix { AllowsMissing: true } dense)
        {
            int at = MatrixChecks.FirstNotFiniteNonNegative(dense.Values); // the values are validated: only NaN is found
            if (at >= 0)
                throw Missing(at / dense.Columns, at % dense.Columns);
        }
        else if (matrix is CsrMatrix { AllowsMissing: true } csr)
        {
            for (int i = 0; i < csr.Rows; i++)
            {
                int at = MatrixChecks.FirstNotFiniteNonNegative(csr.RowValues(i));
                if (at >= 0)
                    throw Missing(i, csr.RowIndices(i)[at]);
            }
        }

        static ArgumentException Missing(int row, int column) => new(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"The matrix has NaN (a missing entry) at row {row}, column {column}, but this projector takes no missing entries (only the components of a Frobenius fit with MissingValues = Ignore do). Fill in the missing entries first."), "matrix");
    }

    private static bool HasMissing(ReadOnlySpan<float> values)
    {
        foreach (float v in values)
            if (float.IsNaN(v))
                return true;
        return false;
    }

    /// <summary>
    /// Separates a row into observed values and missing columns exactly as <see cref="MissingPattern.Split"/> does
    /// for the fit's data (a row given with every column keeps a zero in place of NaN; a sparse row drops the
    /// entry), then projects it.
    /// </summary>
    private void ProjectWithMissing(ReadOnlySpan<int> indices, ReadOnlySpan<float> values, Span<float> features, ProjectionWorkspace workspace)
    {
        var (observedIndices, observedValues, missing) = workspace.MaskedScratch(Features);
        bool allColumns = indices.Length == Features;
        int count = 0, missingCount = 0;
        for (int p = 0; p < indices.Length; p++)
        {
            if (float.IsNaN(values[p]))
            {
                missing[missingCount++] = indices[p];
                if (!allColumns)
                    continue;
                observedIndices[count] = indices[p];
                observedValues[count++] = 0f;
                continue;
            }
            observedIndices[count] = indices[p];
            observedValues[count++] = values[p];
        }
        ProjectMaskedRow(observedIndices, observedValues.AsSpan(0, count), missing.AsSpan(0, missingCount), features, workspace);
    }

    /// <summary>
    /// <see cref="ProjectMasked"/> with the same exact power-of-two scaling of extreme rows as the unmasked path
    /// (see <see cref="Project(ReadOnlySpan{int}, ReadOnlySpan{float}, Span{float}, ProjectionWorkspace)"/>).
    /// </summary>
    private void ProjectMaskedRow(ReadOnlySpan<int> indices, ReadOnlySpan<float> values, ReadOnlySpan<int> missing, Span<float> features,
        ProjectionWorkspace workspace)
    {
        int shift = RowShift(values);
        var penalty = Penalty;
        if (shift != 0)
        {
            values = workspace.Scaled(values, shift);
            penalty = new Penalty(Penalty.L1 * Math.Pow(2, shift), Penalty.L2); // β = 2
        }
        fixed (int* pi = indices)
        fixed (float* pv = values, pf = features)
            ProjectMasked(pi, pv, values.Length, missing, pf, workspace, penalty);
        for (int t = 0; t < Rank; t++)
        {
            float v = shift == 0 ? features[t] : (float)Math.ScaleB(features[t], -shift);
            if (!float.IsFinite(v))
                throw new OverflowException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"NMF cannot represent the row's features in float: feature {t} is {(double)features[t] * Math.Pow(2, -shift):G6}. Scale the row down, or use components fitted on data of this magnitude."));
            features[t] = v;
        }
    }

    /// <summary>Projects every row of the fit's observed data, with its missing columns, into a padded m x k factor.</summary>
    internal float[] ProjectAll(DataOperand data, MissingPattern pattern, int degree, float[]? into = null)
    {
        var w = into ?? FactorLayout.Allocate(data.Rows, Rank);
        var blocks = data.Blocks;
        BlockRunner.For(blocks.BlockCount, degree, block =>
        {
            var workspace = CreateWorkspace();
            for (int i = blocks.Start(block); i < blocks.End(block); i++)
            {
                data.GetRow(i, out var indices, out var values);
                var missing = pattern.Row(i);
                if (missing.IsEmpty)
                {
                    ProjectCore(indices, values, w.AsSpan(i * Rank, Rank), workspace);
                    continue;
                }
                ProjectMaskedRow(indices, values, missing, w.AsSpan(i * Rank, Rank), workspace);
            }
        });
        return w;
    }

    /// <summary>
    /// Coordinate descent on the row's own Gram matrix Σ_{j observed} h_j h_jᵀ + L2·I (<see cref="MaskedKernels.RowGram"/>)
    /// and its product over the observed values, from 0 until the change is below the tolerance.
    /// </summary>
    private void ProjectMasked(int* indices, float* values, int count, ReadOnlySpan<int> missing, float* features, ProjectionWorkspace ws, Penalty penalty)
    {
        int k = Rank;
        float* a = ws.FeaturesPointer, previous = ws.Previous, product = ws.Product;
        var (gramDouble, gramFloat) = ws.MaskedGram();
        fixed (float* ht = _ht, gram = gramFloat)
        fixed (double* gd = gramDouble)
        fixed (int* order = _order)
        {
            VectorKernels.SparseRowTimesFactor(indices, values, count, ht, k, product);
            MaskedKernels.RowGram(_fullGram, ht, k, missing, Features, gd);
            MaskedKernels.ToFloat(gd, k, penalty.L2, gram);
            for (int t = 0; t < k; t++)
                a[t] = 0f;
            float l1 = (float)penalty.L1;
            bool converged = false;
            for (int sweep = 0; sweep < MaxIterations && !converged; sweep++)
            {
                for (int t = 0; t < k; t++)
                    previous[t] = a[t];
                MaskedKernels.Sweep(a, product, gram, l1, k, order, out _);
                converged = Converged(a, previous, k);
            }
            if (!converged)
                AtSweepLimit(1);
            if (!converged && ActiveSetFinish)
            {
                var exact = ws.FinishGram();
                fixed (double* pe = exact)
                    MaskedKernels.RowGram(ExactGram, ht, k, missing, Features, pe);
                ws.ActiveSet.Finish(exact, penalty.L2, product, l1, a);
            }
        }
        for (int t = 0; t < k; t++)
            features[t] = a[t];
    }
}
