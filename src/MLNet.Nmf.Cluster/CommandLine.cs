using System.Globalization;

namespace MLNet.Nmf.Cluster;

/// <summary>"--name value" options after the command; errors name the option and say what is expected.</summary>
internal sealed class CommandLine
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public CommandLine(IEnumerable<string> args)
    {
        var list = args.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            if (!list[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= list.Count)
                throw new UsageException($"Expected '--option value' but got '{list[i]}'.");
            _values[list[i]] = list[++i];
        }
    }

    public string? Optional(string name)
    {
        _used.Add(name);
        return _values.TryGetValue(name, out var v) ? v : null;
    }

    public string Required(string name) => Optional(name) ?? throw new UsageException($"Missing {name}.");

    public int Int(string name, int? fallback = null, int min = int.MinValue)
    {
        string? text = Optional(name);
        if (text is null)
            return fallback ?? throw new UsageException($"Missing {name}.");
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) || value < min)
            throw new UsageException($"{name} must be an integer >= {min}, got '{text}'.");
        return value;
    }

    public double Double(string name, double fallback)
    {
        string? text = Optional(name);
        if (text is null)
            return fallback;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !(value >= 0) || double.IsInfinity(value))
            throw new UsageException($"{name} must be a finite number >= 0, got '{text}'.");
        return value;
    }

    /// <summary>Throws for an option nobody asked for (a typo must not pass silently).</summary>
    public void CheckAllUsed()
    {
        var unknown = _values.Keys.Where(k => !_used.Contains(k)).ToArray();
        if (unknown.Length > 0)
            throw new UsageException($"Unknown option(s): {string.Join(", ", unknown)}.");
    }
}

/// <summary>A command-line mistake; the message says what to write.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>A well-formed command that cannot run on what it was given (no rows, no cluster); the message names the input and what to do.</summary>
internal sealed class CommandException(string message, Exception? inner = null) : Exception(message, inner);
