namespace MLNet.Nmf.Topics;

/// <summary>Readable terms from the slot names ML.NET's text featurizers emit.</summary>
internal static class SlotNameText
{
    /// <summary>
    /// FeaturizeText names word slots <c>Word.term</c> (n-grams joined by '|') and character slots <c>Char.a|b|c</c>
    /// (with '␠' for a space and '&lt;␂&gt;'/'&lt;␃&gt;' for the text's start and end); WordBag and
    /// ProduceWordBags emit the bare term. Returns the term with the prefix dropped and n-gram parts joined by a space.
    /// </summary>
    public static string CleanTerm(string slotName)
    {
        ArgumentNullException.ThrowIfNull(slotName);
        string term = slotName;
        if (term.StartsWith("Word.", StringComparison.Ordinal))
            term = term["Word.".Length..];
        else if (term.StartsWith("Char.", StringComparison.Ordinal))
            return string.Concat(term["Char.".Length..].Split('|')).Replace('␠', ' ');
        return term.Length > 1 ? term.Replace('|', ' ') : term;
    }

    /// <summary>An output slot name from a component's top terms: "game|strategy|board".</summary>
    public static string SlotName(IEnumerable<(string Term, float Weight)> terms) =>
        string.Join("|", terms.Select(t => t.Term.Replace(' ', '_')));
}
