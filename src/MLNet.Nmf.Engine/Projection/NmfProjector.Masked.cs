using MLNet.Nmf.Engine.Kernels;
using MLNet.Nmf.Engine.Matrices;
using MLNet.Nmf.Engine.Parallelism;

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
        fixed (int* pi = observedIndices)
        fixed (float* pv = observedValues, pf = features)
            ProjectMasked(pi, pv, count, missing.AsSpan(0, missingCount), pf, workspace);
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
                    Project(indices, values, w.AsSpan(i * Rank, Rank), workspace);
                    continue;
                }
                fixed (int* pi = indices)
                fixed (float* pv = values, pw = &w[i * Rank])
                    ProjectMasked(pi, pv, indices.Length, missing, pw, workspace);
            }
        });
        return w;
    }

    /// <summary>
    /// Coordinate descent on the row's own Gram matrix Σ_{j observed} h_j h_jᵀ + L2·I (<see cref="MaskedKernels.RowGram"/>)
    /// and its product over the observed values, from 0 until the change is below the tolerance.
    /// </summary>
    private void ProjectMasked(int* indices, float* values, int count, ReadOnlySpan<int> missing, float* features, ProjectionWorkspace ws)
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
            MaskedKernels.ToFloat(gd, k, Penalty.L2, gram);
            for (int t = 0; t < k; t++)
                a[t] = 0f;
            float l1 = (float)Penalty.L1;
            for (int sweep = 0; sweep < MaxIterations; sweep++)
            {
                for (int t = 0; t < k; t++)
                    previous[t] = a[t];
                MaskedKernels.Sweep(a, product, gram, l1, k, order, out _);
                if (Converged(a, previous, k))
                    break;
            }
        }
        for (int t = 0; t < k; t++)
            features[t] = a[t];
    }
}
