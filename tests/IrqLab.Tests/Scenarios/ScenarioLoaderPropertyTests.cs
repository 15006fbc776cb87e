using System.Text;
using CsCheck;
using IrqLab.Scenarios;
using Xunit;

namespace IrqLab.Tests.Scenarios;

/// <summary>
/// Robustness: any mutation of a valid scenario either loads or is rejected with a <see cref="ScenarioException"/>,
/// never another exception type (SCENARIOS.md §10: a bad file exits 2 with file:line:column).
/// </summary>
public sealed class ScenarioLoaderPropertyTests
{
    private const string Interesting = ":{}[]-,'\"#&*!|>%@`\t\n 0123456789xX.-_/usmnabcdefABCDEF\\\u00e9\ufeff";

    private static readonly string[] s_files = [.. Directory.GetFiles(ScenarioTestData.ValidDirectory).Order(StringComparer.Ordinal)];

    /// <summary>One edit: kind (0 delete char, 1 duplicate char, 2 replace char, 3 delete line, 4 duplicate line, 5 swap lines), position, char.</summary>
    private static readonly Gen<(int Kind, int Position, int Other, char Char)> s_edit =
        Gen.Select(Gen.Int[0, 5], Gen.Int[0, int.MaxValue], Gen.Int[0, int.MaxValue], Gen.Int[0, Interesting.Length - 1])
            .Select((kind, position, other, c) => (kind, position, other, Interesting[c]));

    private static readonly Gen<(int File, (int Kind, int Position, int Other, char Char)[] Edits)> s_mutation =
        Gen.Select(Gen.Int[0, s_files.Length - 1], s_edit.Array[1, 4]);

    [Fact]
    public void Mutated_scenarios_load_or_throw_ScenarioException()
    {
        var texts = s_files.Select(File.ReadAllText).ToArray();
        s_mutation.Sample(
            m =>
            {
                var text = Mutate(texts[m.File], m.Edits);

                // JSON text is YAML too: read JSON samples with both readers.
                var name = Path.GetFileName(s_files[m.File]);
                foreach (var file in name.EndsWith(".json", StringComparison.Ordinal) ? [name, name + ".yaml"] : new[] { name })
                {
                    try
                    {
                        ScenarioLoader.Parse(text, file);
                    }
                    catch (ScenarioException ex)
                    {
                        Assert.True(ex.Line >= 1 && ex.Column >= 1, ex.Message);
                        Assert.StartsWith($"{ex.File}:{ex.Line}:{ex.Column}: error: ", ex.Message, StringComparison.Ordinal);
                    }
                }
            },
            iter: 3000,
            threads: 1,
            print: m => $"{Path.GetFileName(s_files[m.File])} edits [{string.Join(", ", m.Edits)}]:\n{Mutate(texts[m.File], m.Edits)}");
    }

    internal static string Mutate(string text, (int Kind, int Position, int Other, char Char)[] edits)
    {
        foreach (var (kind, position, other, c) in edits)
        {
            if (kind < 3)
            {
                if (text.Length == 0)
                {
                    continue;
                }

                var i = position % text.Length;
                text = kind switch
                {
                    0 => text.Remove(i, 1),
                    1 => text.Insert(i, text[i].ToString()),
                    _ => new StringBuilder(text) { [i] = c }.ToString(),
                };
                continue;
            }

            var lines = text.Split('\n').ToList();
            var a = position % lines.Count;
            var b = other % lines.Count;
            switch (kind)
            {
                case 3:
                    lines.RemoveAt(a);
                    break;
                case 4:
                    lines.Insert(a, lines[a]);
                    break;
                default:
                    (lines[a], lines[b]) = (lines[b], lines[a]);
                    break;
            }

            text = string.Join('\n', lines);
        }

        return text;
    }
}
