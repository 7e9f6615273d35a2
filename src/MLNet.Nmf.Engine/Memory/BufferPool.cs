namespace MLNet.Nmf.Engine.Memory;

/// <summary>
/// Large scratch arrays kept between fits: the product buffer, the randomized SVD's sketches and the
/// transposed copy of X are rented here and returned when the fit ends, so a second and third fit in the
/// same process reuse the first one's memory instead of leaving ~100 MB per fit to the garbage collector.
/// </summary>
/// <remarks>
/// A rented array may be longer than asked for (at most twice); callers index it explicitly and never use its Length.
/// Arrays the user receives (W, H, the projector's components) are never rented. The pool retains at
/// most <see cref="MaxRetained"/> arrays of each element type (the largest), and only arrays of at least
/// <see cref="MinimumLength"/> elements: smaller ones are cheap for the GC.
/// </remarks>
internal static class BufferPool
{
    /// <summary>Arrays retained per element type.</summary>
    public const int MaxRetained = 6;

    /// <summary>Shorter arrays are neither pooled nor worth pooling (256 KiB of floats).</summary>
    public const int MinimumLength = 65536;

    private static readonly Shelf<float> Floats = new();
    private static readonly Shelf<int> Ints = new();
    private static readonly Shelf<double> Doubles = new();

    /// <summary>A float array of at least <paramref name="length"/> elements, zeroed when <paramref name="clear"/>.</summary>
    public static float[] RentFloats(long length, bool clear) => Floats.Rent(length, clear);

    /// <summary>An int array of at least <paramref name="length"/> elements, zeroed when <paramref name="clear"/>.</summary>
    public static int[] RentInts(long length, bool clear) => Ints.Rent(length, clear);

    /// <summary>A zeroed double array of exactly <paramref name="length"/> elements (for arrays whose length is part of a contract).</summary>
    public static double[] RentDoublesExact(long length) => Doubles.Rent(length, clear: true, exact: true);

    /// <summary>Gives an array back (null is ignored); the caller must not use it afterwards.</summary>
    public static void Return(float[]? array) => Floats.Return(array);

    /// <summary>Gives an array back (null is ignored); the caller must not use it afterwards.</summary>
    public static void Return(double[]? array) => Doubles.Return(array);

    /// <summary>Gives an array back (null is ignored); the caller must not use it afterwards.</summary>
    public static void Return(int[]? array) => Ints.Return(array);

    /// <summary>Drops every retained array (tests; or to give the memory back to the GC).</summary>
    public static void Clear()
    {
        Floats.Clear();
        Ints.Clear();
        Doubles.Clear();
    }

    /// <summary>Number of retained arrays of each type (tests).</summary>
    internal static (int Floats, int Ints) RetainedCount => (Floats.Count, Ints.Count);

    private sealed class Shelf<T>
        where T : struct
    {
        private readonly List<T[]> _arrays = new();

        public int Count
        {
            get { lock (_arrays) return _arrays.Count; }
        }

        public T[] Rent(long length, bool clear, bool exact = false)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(length);
            T[]? best = null;
            lock (_arrays)
            {
                // Best fit: the shortest retained array that is long enough, and at most twice as long (a small request
                // must not take a large buffer that a later request of its own size then has to allocate again).
                int found = -1;
                for (int i = 0; i < _arrays.Count; i++)
                    if ((exact ? _arrays[i].LongLength == length : _arrays[i].LongLength >= length && _arrays[i].LongLength <= 2 * length) && (found < 0 || _arrays[i].LongLength < _arrays[found].LongLength))
                        found = i;
                if (found >= 0)
                {
                    best = _arrays[found];
                    _arrays.RemoveAt(found);
                }
            }
            if (best is null)
                return clear ? new T[checked((int)length)] : GC.AllocateUninitializedArray<T>(checked((int)length));
            if (clear)
                Array.Clear(best, 0, (int)length);
            return best;
        }

        public void Return(T[]? array)
        {
            if (array is null || array.Length < MinimumLength)
                return;
            lock (_arrays)
            {
                foreach (var held in _arrays)
                    if (ReferenceEquals(held, array))
                        return;
                _arrays.Add(array);
                if (_arrays.Count > MaxRetained)
                {
                    int smallest = 0;
                    for (int i = 1; i < _arrays.Count; i++)
                        if (_arrays[i].Length < _arrays[smallest].Length)
                            smallest = i;
                    _arrays.RemoveAt(smallest);
                }
            }
        }

        public void Clear()
        {
            lock (_arrays)
                _arrays.Clear();
        }
    }
}
