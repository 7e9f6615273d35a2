using MLNet.Nmf.Engine.Matrices;

namespace MLNet.Nmf.Engine.Blocks;

/// <summary>Settings of a streamed fit (<see cref="NmfEngine.FitStreamed"/>) beyond the fit's own <see cref="NmfFitOptions"/>.</summary>
public sealed record NmfStreamingOptions
{
    /// <summary>The default value of every option, declared once.</summary>
    public static class Defaults
    {
        /// <summary>Default <see cref="MaxPasses"/>: one pass to count and check the rows, then at most 20 iterations.</summary>
        public const int MaxPasses = 21;
    }

    /// <summary>
    /// The most passes over the data (at least 2): the first counts the rows and sums what the start needs, each
    /// further pass is one iteration (also bounded by <see cref="NmfFitOptions.MaxIterations"/> and stopped by
    /// <see cref="NmfFitOptions.Tolerance"/>).
    /// </summary>
    public int MaxPasses { get; init; } = Defaults.MaxPasses;

    /// <summary>
    /// Warm start: the components H (k x n) to start from, e.g. a saved model's. Each block's features then
    /// start as its rows' projection onto them. Null: <see cref="NmfFitOptions.Initialization"/> (Random, or
    /// Auto meaning Random).
    /// </summary>
    public DenseMatrix? InitialComponents { get; init; }

    /// <summary>Where the features W live between passes (a temporary file, deleted when the fit ends); null for the system's temporary folder.</summary>
    public string? FeatureDirectory { get; init; }

    /// <summary>
    /// Where the fit keeps a checkpoint so that a fault loses no completed pass; null (the default) keeps none. When set
    /// (the directory is created if missing), W lives there in two files (8·m·k bytes together, instead of
    /// <see cref="FeatureDirectory"/>'s one temporary file) beside a manifest (Hᵀ, 4·n·k bytes, and the fit's figures) that is
    /// replaced atomically after each completed pass. If the fit fails (an exception from the source, cancellation, the
    /// process killed), calling it again with the same data, the same options and this directory reads pass 1 again,
    /// checks the data's figures (rows per block, non-zeros, sum, minimum, SHA-256 of the values) and the options against
    /// the manifest, and resumes after the last completed pass: its components, loss history, iterations, passes and
    /// figures equal an uninterrupted fit's bit for bit. Other data or options, or a damaged manifest, are refused
    /// (<see cref="InvalidOperationException"/>, <see cref="InvalidDataException"/>) rather than started over. A fit that
    /// finishes deletes the files it made (the directory stays), or keeps a finished record with <see cref="KeepFinished"/>. One fit at a time per directory: the fit holds a lock
    /// file there (<c>mlnet-nmf-stream.lock</c>, deleted when the fit ends, however it ends), and a second fit on the
    /// directory meanwhile is refused (<see cref="InvalidOperationException"/> naming the directory). After each
    /// committed manifest the directory is flushed to disk (Linux, macOS; Windows has no such call) so that a power
    /// cut cannot lose the rename.
    /// </summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>
    /// With a <see cref="CheckpointDirectory"/>: a fit that finishes keeps a finished record there
    /// (<c>mlnet-nmf-stream.finished</c>: the final components and the figures of the result, with the data's figures and
    /// the options, protected as the manifest is: SHA-256, atomic replacement, the directory flushed) and deletes only the
    /// pass checkpoint, so that work which runs several fits one after another (the ML.NET estimator's column pairs) loses
    /// no finished fit when a later one fails. A fit that finds a finished record reads pass 1 (to check the data's figures
    /// as a resume does; other data or options are refused in the same words) and returns the recorded result, bit for bit
    /// the finished fit's, without a further pass. The caller deletes the record with
    /// <see cref="NmfEngine.DeleteFinishedRecord"/> once all its fits have finished. False (the default): a finishing fit
    /// deletes every file it made, a finished record it was returned from included.
    /// </summary>
    public bool KeepFinished { get; init; }

    /// <summary>
    /// Called after each pass with (pass number from 1, rows read in it, objective after it or NaN for the first pass).
    /// A fit resumed from <see cref="CheckpointDirectory"/> reports its first pass, then the restored pass with 0 rows read;
    /// a fit returned from its finished record (<see cref="KeepFinished"/>) likewise reports its first pass, then the
    /// recorded last pass with 0 rows read and the final objective. A cancellation
    /// (<see cref="NmfFitOptions.CancellationToken"/>, or <see cref="NmfFitOptions.Progress"/> throwing) seen after a pass's
    /// last block is honoured once that pass is committed to <see cref="CheckpointDirectory"/> (the fit's last pass: once
    /// its finished record is written, with <see cref="KeepFinished"/>), before this callback is called for it: the pass
    /// is not reported, but a resume restores it.
    /// </summary>
    public Action<int, long, double>? PassCompleted { get; init; }
}
