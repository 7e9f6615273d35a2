using System.Globalization;

namespace MLNet.Nmf;

/// <summary>
/// One component read as a topic: its heaviest input terms, heaviest first, as returned by
/// <see cref="NmfModelParameters.GetTopics"/> (the counterpart of LDA's <c>GetLdaDetails</c> word summaries).
/// </summary>
/// <param name="Component">The component index (the slot of the output vector).</param>
/// <param name="Terms">The top terms with their weights in the component, heaviest first; terms are the input's
/// slot names made readable (<c>Word.rust</c> becomes <c>rust</c>, <c>Word.game|engine</c> becomes <c>game engine</c>).</param>
public sealed record NmfTopic(int Component, IReadOnlyList<(string Term, float Weight)> Terms)
{
    /// <summary>"Topic 3: game, strategy, board", the terms heaviest first.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"Topic {Component}: {string.Join(", ", Terms.Select(t => t.Term))}");
}
