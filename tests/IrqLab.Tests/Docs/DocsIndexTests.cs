using System.Text.RegularExpressions;
using Xunit;

namespace IrqLab.Tests.Docs;

/// <summary>
/// docs/README.md and the repository README index every page of docs/, and docs/scenarios.md describes every file of
/// scenarios/ (a section headed by its file name), so a new page or shipped scenario cannot be left out of them.
/// </summary>
public sealed partial class DocsIndexTests
{
    private static string Docs => Path.Combine(RepoPaths.Root, "docs");

    public static TheoryData<string> Pages()
    {
        var pages = new TheoryData<string>();
        foreach (var page in Directory.GetFiles(Docs, "*.md").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal))
        {
            if (page != "README.md")
            {
                pages.Add(page);
            }
        }

        return pages;
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public void Every_docs_page_is_linked_from_docs_README_and_the_repository_README(string page)
    {
        Assert.Contains($"]({page})", File.ReadAllText(Path.Combine(Docs, "README.md")), StringComparison.Ordinal);
        Assert.Contains($"](docs/{page})", File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md")), StringComparison.Ordinal);
    }

    [Fact]
    public void Docs_scenarios_md_has_one_section_per_shipped_scenario_and_none_for_a_missing_one()
    {
        var shipped = Directory.GetFiles(RepoPaths.Scenarios, "*.yaml").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList();
        var sections = SectionHeading().Matches(File.ReadAllText(Path.Combine(Docs, "scenarios.md")))
            .Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal).ToList();

        Assert.NotEmpty(shipped);
        Assert.Equal(shipped, sections);
    }

    [GeneratedRegex(@"^## (\S+\.yaml)\s*$", RegexOptions.Multiline)]
    private static partial Regex SectionHeading();
}
