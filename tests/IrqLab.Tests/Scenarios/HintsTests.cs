using IrqLab.Scenarios.Syntax;
using Xunit;

namespace IrqLab.Tests.Scenarios;

/// <summary>"Did you mean" hints (SCENARIOS.md §1: a hint where one is close).</summary>
public sealed class HintsTests
{
    [Theory]
    [InlineData("cpu", "cpus,apic,apic_timer_hz", "cpus")]                       // one insertion
    [InlineData("nmae", "irqlab,name,seed", "name")]                             // transposition counts 1
    [InlineData("CPUS", "cpus,apic", "cpus")]                                    // case ignored
    [InlineData("apic_timer", "apic,apic_timer_hz,tsc_hz", "apic_timer_hz")]     // longest common prefix
    [InlineData("tpr", "apic.tpr,apic.ppr", "apic.tpr")]                         // dotted suffix
    [InlineData("all-but-me", "self,all,all-but-self", "all-but-self")]
    [InlineData("RESCHEDULE_VECTR", "RESCHEDULE_VECTOR,REBOOT_VECTOR", "RESCHEDULE_VECTOR")]
    [InlineData("nmi", "advance,ipi,write", null)]                               // 2 edits in 3 letters is no hint
    [InlineData("zzz", "cpus,apic", null)]
    [InlineData("cpus", "cpus", null)]                                           // the word itself is no hint
    public void Suggests_the_closest_allowed_word(string given, string allowed, string? expected)
    {
        Assert.Equal(expected, Hints.Suggest(given, allowed.Split(',')));
    }

    [Theory]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("ab", "ba", 1)]
    [InlineData("", "abc", 3)]
    [InlineData("same", "same", 0)]
    public void Distance_is_optimal_string_alignment(string a, string b, int distance)
    {
        Assert.Equal(distance, Hints.Distance(a, b));
        Assert.Equal(distance, Hints.Distance(b, a));
    }
}
