using MLNet.Nmf.Engine.Kernels;

namespace MLNet.Nmf.Engine.Projection;

/// <summary>Scratch memory for rows with missing entries, allocated on the first such row.</summary>
public sealed partial class ProjectionWorkspace
{
    private int[]? _observedIndices;
    private float[]? _observedValues;
    private int[]? _missing;
    private double[]? _gramDouble;
    private float[]? _gramFloat;

    internal (int[] ObservedIndices, float[] ObservedValues, int[] Missing) MaskedScratch(int features)
    {
        if (_observedIndices is null || _observedIndices.Length < features)
        {
            _observedIndices = new int[features];
            _observedValues = new float[features];
            _missing = new int[features];
        }
        return (_observedIndices, _observedValues!, _missing!);
    }

    private double[]? _finishGram;

    /// <summary>A row's observed Gram matrix summed in double, for the exact finish.</summary>
    internal double[] FinishGram() => _finishGram ??= new double[Rank * Rank];

    internal (double[] Double, float[] Float) MaskedGram()
    {
        _gramDouble ??= new double[Rank * Rank];
        _gramFloat ??= new float[Rank * Rank + FactorLayout.Padding];
        return (_gramDouble, _gramFloat);
    }
}
