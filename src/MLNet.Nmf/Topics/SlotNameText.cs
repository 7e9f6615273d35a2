namespace MLNet.Nmf.Topics;

/// <summary>Readable terms from the slot names ML.NET's text featurizers emit.</summary>
internal static class SlotNameText
{
    private const string StartOfText = "<␂>", EndOfText = "<␃>";

    /// <summary>
    /// FeaturizeText with both extractors names slots <c>Word.term</c> and <c>Char.a|b|c</c>; with one extractor (and
    /// WordBag, ProduceNgrams) the bare n-gram: terms joined by '|', or characters joined by '|' with '␠' for a space
    /// and <c>&lt;␂&gt;</c>/<c>&lt;␃&gt;</c> for the text's start and end. Returns the term: the prefix dropped, a word
    /// n-gram's words joined by a space, a character n-gram's characters joined as text (markers dropped).
    /// </summary>
    public static string CleanTerm(string slotName)
    {
        ArgumentNullException.ThrowIfNull(slotName);
        if (slotName.StartsWith("Word.", StringComparison.Ordinal))
            return Words(slotName["Word.".Length..]);
        if (slotName.StartsWith("Char.", StringComparison.Ordinal))
            return Characters(slotName["Char.".Length..]);
        var parts = slotName.Split('|');
        return parts.Length > 1 && parts.All(p => p.Length == 1 || p == StartOfText || p == EndOfText)
            ? Characters(slotName)
            : Words(slotName);
    }

    private static string Words(string ngram) => ngram.Length > 1 ? ngram.Replace('|', ' ') : ngram;

    private static string Characters(string ngram) =>
        string.Concat(ngram.Split('|').Where(p => p != StartOfText && p != EndOfText)).Replace('␠', ' ');

    /// <summary>An output slot name from a component's top terms: "game|strategy|board".</summary>
    public static string SlotName(IEnumerable<(string Term, float Weight)> terms) =>
        string.Join("|", terms.Select(t => t.Term.Replace(' ', '_')));
}
