using System.Text;
using IrqLab.Scenarios;
using IrqLab.Scenarios.Model;
using Xunit;

namespace IrqLab.Tests.Scenarios;

/// <summary>
/// The bytes of a scenario file (SCENARIOS.md §1: YAML 1.2 or JSON). YAML 1.2 §5.2 reads UTF-8 (or UTF-16/32 with a
/// byte-order mark) and §5.1 allows only printable characters; invalid bytes and control characters are <c>syntax</c>
/// errors at their line and column (fuzz report §10: both were accepted, as U+FFFD and as a NUL in the name).
/// </summary>
public sealed class ScenarioFileEncodingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("irqlab-encoding-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private ScenarioException LoadFails(string name, byte[] bytes)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return Assert.Throws<ScenarioException>(() => ScenarioLoader.Load(path));
    }

    private Scenario Load(string name, byte[] bytes)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return ScenarioLoader.Load(path);
    }

    /// <summary>A Latin-1 "café": 0xE9 is not UTF-8 (it announces a 3-byte sequence that does not follow).</summary>
    [Theory]
    [InlineData("latin1.yaml")]
    [InlineData("latin1.json")]
    public void Latin1_byte_is_a_syntax_error_at_its_position(string name)
    {
        var text = name.EndsWith(".json", StringComparison.Ordinal) ? "{\"irqlab\": 1,\n \"name\": \"caf\u00e9\"}" : "irqlab: 1\nname: caf\u00e9\n";
        var ex = LoadFails(name, Encoding.Latin1.GetBytes(text));

        Assert.Equal(ErrorCodes.Syntax, ex.Code);
        var column = name.EndsWith(".json", StringComparison.Ordinal) ? 14 : 10;
        Assert.Equal(
            $"{ex.File}:2:{column}: error: the file is not valid UTF-8: byte 0xE9 does not start or continue a UTF-8 sequence here (save the file as UTF-8)",
            ex.Message);
    }

    /// <summary>
    /// YAML 1.2 §5.4: a line ends at CR LF, LF or a lone CR (the old Mac OS line end). YamlDotNet counts all three, so an
    /// unknown key on line 3 of a CR-only file was at 3:N, but the two checks made before it counted LFs only and put a
    /// bad byte or a control character on that line at 1:N.
    /// </summary>
    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData("\r")]
    public void Positions_count_every_yaml_line_break_section_5_4(string nl)
    {
        var bad = LoadFails("byte.yaml", [.. Encoding.UTF8.GetBytes($"irqlab: 1{nl}name: t{nl}description: caf"), 0xE9, .. Encoding.UTF8.GetBytes(nl)]);
        var control = LoadFails("ctl.yaml", Encoding.UTF8.GetBytes($"irqlab: 1{nl}name: t{nl}description: a\u0001b{nl}"));
        var key = LoadFails("key.yaml", Encoding.UTF8.GetBytes($"irqlab: 1{nl}name: t{nl}machine: {{cpuz: 2}}{nl}"));

        Assert.Equal((3, 17), (bad.Line, bad.Column));
        Assert.Equal((3, 15), (control.Line, control.Column));
        Assert.Equal((3, 11), (key.Line, key.Column));
    }

    /// <summary>
    /// YAML 1.2 §5.4: NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR are not line breaks ("YAML treats them as non-break
    /// characters as of version 1.2"; 1.1 had them as breaks, and YamlDotNet still reads them so): in a plain or quoted
    /// scalar they are content, in a comment they do not end it, and they do not move the lines of later errors. A plain
    /// `name: a&lt;LS&gt;b` was a broken mapping at 3:1, a quoted one was folded to "a b".
    /// </summary>
    [Theory]
    [InlineData('\u0085')]
    [InlineData('\u2028')]
    [InlineData('\u2029')]
    public void Nel_ls_and_ps_are_not_line_breaks_yaml_1_2_section_5_4(char c)
    {
        Assert.Equal($"a{c}b", ScenarioLoader.Parse($"irqlab: 1\nname: a{c}b\n", "plain.yaml").Name);
        Assert.Equal($"a{c}b", ScenarioLoader.Parse($"irqlab: 1\nname: \"a{c}b\"\n", "quoted.yaml").Name);
        Assert.Equal("t", ScenarioLoader.Parse($"irqlab: 1 # comment{c}name: x\nname: t\n", "comment.yaml").Name);

        var key = Assert.Throws<ScenarioException>(() => ScenarioLoader.Parse($"irqlab: 1\nname: a{c}b\ndescription: x\nmachine: {{cpuz: 2}}\n", "later.yaml"));
        Assert.Equal((ErrorCodes.UnknownKey, 4, 11), (key.Code, key.Line, key.Column));

        // In YAML 1.2 the character does not start a line, so "machine: ..." is inside the plain scalar, where ': ' is not allowed.
        var inside = Assert.Throws<ScenarioException>(() => ScenarioLoader.Parse($"irqlab: 1\nname: a\ndescription: x{c}machine: {{cpus: 2}}\n", "inside.yaml"));
        Assert.Equal((ErrorCodes.Syntax, 3), (inside.Code, inside.Line));
    }

    /// <summary>
    /// YAML 1.2 §5.4 still holds in a file that also holds the noncharacters the reader hides NEL, LS and PS behind
    /// (U+FDD0-U+FDD2 are printable, §5.1): the reader picks three it does not hold. Found by the eighteenth session's
    /// mutation soak: such a file was left as it was, so YamlDotNet broke the line at the NEL again and a syntax error
    /// after it was placed at column 90 of a 28-character line.
    /// </summary>
    [Theory]
    [InlineData('\u0085', "\uFDD0")]
    [InlineData('\u2028', "\uFDD2")]
    [InlineData('\u2029', "\uFDD0\uFDD1\uFDD2\uFDD3\uFDD4")]
    [InlineData('\u0085', "\uFDEE\uFDEF")]
    public void Nel_ls_and_ps_stay_content_in_a_file_holding_noncharacters_yaml_1_2_section_5_4(char c, string nonchars)
    {
        Assert.Equal($"a{c}b{nonchars}", ScenarioLoader.Parse($"irqlab: 1\nname: a{c}b{nonchars}\n", "plain.yaml").Name);
        Assert.Equal($"a{c}b", ScenarioLoader.Parse($"irqlab: 1\nname: \"a{c}b\"\ndescription: {nonchars}\n", "quoted.yaml").Name);

        // A syntax error after the character is at its place on its line (col 19 of 'kernel: {version: 1, var').
        var e = Assert.Throws<ScenarioException>(() => ScenarioLoader.Parse(
            $"irqlab: 1\nname: x\ndescription: >\n  di{c}sp {nonchars}\nkernel: {{version: 1, var\r\niant: x}}\n", "flow.yaml"));
        Assert.Equal(ErrorCodes.Syntax, e.Code);
        Assert.Equal(5, e.Line);
        Assert.InRange(e.Column, 1, "kernel: {version: 1, var".Length + 1);
    }

    /// <summary>
    /// YAML 1.2 §6.5/§6.6 (yaml-test-suite DK95: <c>foo: 1\n\t\nbar: 2</c> is a mapping): a line of white space only,
    /// and the white space before a comment on a line of its own, may hold tabs. YamlDotNet refused such a line when a
    /// tab came first ("found a tab character that violate indentation" at the end of the line before), as an editor
    /// indenting with tabs leaves them. Each file reads as the one with spaces there.
    /// </summary>
    [Theory]
    [InlineData("irqlab: 1\n\t\nname: t\nseed: 2\n")]
    [InlineData("irqlab: 1\nname: t\nseed: 2\n\t\n")]
    [InlineData("irqlab: 1\nname: t\nseed: 2\n\t\t \n")]
    [InlineData("irqlab: 1\r\n\t\r\nname: t\r\nseed: 2\r\n")]
    [InlineData("irqlab: 1\nname: t\nseed: 2\nmachine:\n  cpus: 3\n\t\n  pic: false\n")]
    [InlineData("irqlab: 1\nname: t\nseed: 2\nmachine:\n  cpus: 3\n  \t\n  pic: false\n")]
    [InlineData("irqlab: 1\n\t# a comment\nname: t\nseed: 2\n")]
    [InlineData("irqlab: 1\nname: t\nseed: 2\nmachine:\n  cpus: 3\n\t  # a comment\n  pic: false\n")]
    [InlineData("irqlab: 1\nname: t\nseed: 2\nsteps:\n  - {advance: 1us}\n\t\n  - {advance: 1us}\n")]
    public void Tabs_on_blank_and_comment_lines_are_allowed_yaml_1_2_section_6_5(string text)
    {
        var s = ScenarioLoader.Parse(text, "tabs.yaml");
        var spaced = ScenarioLoader.Parse(text.Replace('\t', ' '), "tabs.yaml");

        Assert.Equal(("t", 2UL), (s.Name, s.Seed));
        Assert.Equal((spaced.Machine.Cpus, spaced.Machine.Pic, spaced.Steps.Count), (s.Machine.Cpus, s.Machine.Pic, s.Steps.Count));
    }

    /// <summary>A blank line with a tab does not hide a tab that indents a key: that one is still the error, at the tab.</summary>
    [Fact]
    public void A_tab_indenting_a_key_is_still_an_error_beside_a_tab_on_a_blank_line()
    {
        var ex = LoadFails("both.yaml", Encoding.UTF8.GetBytes("irqlab: 1\n\t\nname: x\nmachine:\n  cpus: 1\n  \tpic: true\n"));

        Assert.Equal((ErrorCodes.Syntax, 6, 3), (ex.Code, ex.Line, ex.Column));
    }

    /// <summary>A sequence cut by the end of the file (the first two bytes of the 3-byte euro sign).</summary>
    [Fact]
    public void Truncated_utf8_sequence_at_the_end_is_a_syntax_error()
    {
        var ex = LoadFails("cut.yaml", [.. "irqlab: 1\nname: ab"u8, 0xE2, 0x82]);

        Assert.Equal((ErrorCodes.Syntax, 2, 9), (ex.Code, ex.Line, ex.Column));
    }

    /// <summary>Valid UTF-8 with a BOM and multi-byte characters, and UTF-16 with its BOM, still load.</summary>
    [Fact]
    public void Utf8_with_bom_and_utf16_with_bom_load()
    {
        Assert.Equal("caf\u00e9 \u20ac", Load("bom.yaml", [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("irqlab: 1\nname: caf\u00e9 \u20ac\n")]).Name);
        Assert.Equal("caf\u00e9", Load("u16.yaml", [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes("irqlab: 1\nname: caf\u00e9\n")]).Name);
    }

    /// <summary>
    /// YAML 1.2 §5.2: without a byte-order mark "the stream must begin with an ASCII character. This allows the encoding
    /// to be deduced by the pattern of null (x00) characters" (its table: 00 00 00 x UTF-32BE, x 00 00 00 UTF-32LE,
    /// 00 x UTF-16BE, x 00 UTF-16LE). Such files were read as UTF-8 and refused with "control character U+0000". With a
    /// mark, each encoding loads too; JSON (RFC 4627 §3 deduced the same way) follows the same rule.
    /// </summary>
    [Theory]
    [InlineData("utf-16LE", false, "s.yaml")]
    [InlineData("utf-16BE", false, "s.yaml")]
    [InlineData("utf-32LE", false, "s.yaml")]
    [InlineData("utf-32BE", false, "s.yaml")]
    [InlineData("utf-16LE", true, "s.yaml")]
    [InlineData("utf-16BE", true, "s.yaml")]
    [InlineData("utf-32LE", true, "s.yaml")]
    [InlineData("utf-32BE", true, "s.yaml")]
    [InlineData("utf-16LE", false, "s.json")]
    [InlineData("utf-32BE", false, "s.json")]
    public void Utf16_and_utf32_load_with_or_without_a_byte_order_mark_yaml_1_2_section_5_2(string encoding, bool bom, string name)
    {
        var e = encoding switch
        {
            "utf-16LE" => (Encoding)new UnicodeEncoding(bigEndian: false, byteOrderMark: bom),
            "utf-16BE" => new UnicodeEncoding(bigEndian: true, byteOrderMark: bom),
            "utf-32LE" => new UTF32Encoding(bigEndian: false, byteOrderMark: bom),
            _ => new UTF32Encoding(bigEndian: true, byteOrderMark: bom),
        };
        const string Title = "caf\u00e9 \u20ac \U0001F600";
        var text = name.EndsWith(".json", StringComparison.Ordinal)
            ? "{\"irqlab\": 1,\r\n \"name\": \"" + Title + "\", \"seed\": 7}"
            : "irqlab: 1\r\nname: " + Title + "\nseed: 7\n";

        var s = Load(name, [.. e.GetPreamble(), .. e.GetBytes(text)]);

        Assert.Equal((Title, 7UL), (s.Name, s.Seed));
    }

    /// <summary>A file that the NUL bytes of its first character call UTF-16 but that is not (an odd byte count) is told as such.</summary>
    [Fact]
    public void Bomless_utf16_that_is_not_valid_utf16_is_a_syntax_error_naming_the_encoding()
    {
        var ex = LoadFails("odd.yaml", [.. Encoding.Unicode.GetBytes("irqlab: 1\n"), (byte)'x']);

        Assert.Equal((ErrorCodes.Syntax, 1, 1), (ex.Code, ex.Line, ex.Column));
        Assert.StartsWith($"{ex.File}:1:1: error: the file is utf-16 (the NUL bytes around its first character say so) but is not valid utf-16", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>YAML 1.2 §5.1: C0 controls other than tab, LF and CR (a raw NUL here), DEL and C1 controls are not allowed.</summary>
    [Theory]
    [InlineData('\0')]
    [InlineData('\u0001')]
    [InlineData('\u001B')]
    [InlineData('\u007F')]
    [InlineData('\u0090')]
    public void Control_character_in_yaml_is_a_syntax_error_at_its_position(char control)
    {
        var ex = LoadFails("ctl.yaml", Encoding.UTF8.GetBytes($"irqlab: 1\nname: t{control}\n"));

        Assert.Equal(
            $"{ex.File}:2:8: error: invalid YAML: control character U+{(int)control:X4} is not allowed (YAML 1.2 §5.1: only tab, LF and CR; write it as an escape in a double-quoted string)",
            ex.Message);
    }

    /// <summary>Tab, CR LF line ends and an escaped NUL in a double-quoted string are fine.</summary>
    [Fact]
    public void Tab_crlf_and_escaped_controls_are_allowed()
    {
        var s = ScenarioLoader.Parse("irqlab: 1\r\nname: t\r\ndescription: \"a\\0\tb\"\r\n", "ok.yaml");

        Assert.Equal("a\0\tb", s.Description);
    }
}
