using System.Diagnostics;
using System.Globalization;
using IrqLab.Benchmarks;
using Xunit;

namespace IrqLab.Tests.Benchmarks;

/// <summary>
/// <see cref="ChildAddressLayout"/>: processes started while the scope is open run without address-space layout
/// randomization (personality(2) ADDR_NO_RANDOMIZE, include/uapi/linux/personality.h, inherited through fork and read at
/// execve), and the persona is given back when it closes. Each case reads a child's persona from
/// /proc/self/personality. Only this class changes the test host's persona (the suite's own tests run the CLI as a
/// process of its own), and its cases run one after another.
/// </summary>
public sealed class ChildAddressLayoutTests
{
    private const uint AddrNoRandomize = 0x0040000;

    [Fact]
    public void A_child_started_in_the_scope_has_ADDR_NO_RANDOMIZE_and_one_started_after_it_has_this_process_persona()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "personality(2) is Linux's");
        var before = ChildPersona();
        uint inside;
        bool randomized;
        using (var layout = ChildAddressLayout.Open(keepRandomization: false))
        {
            randomized = layout.ChildrenRandomized;
            inside = ChildPersona();
        }

        if (!randomized)
        {
            Assert.Equal(before | AddrNoRandomize, inside);
        }
        else
        {
            // The flag could not be set (a seccomp profile refusing the call): the children are as before, and said so.
            // Where setarch -R (util-linux, the same call) can set it, so must the scope.
            Assert.False(SetarchSetsTheFlag(), "setarch -R sets ADDR_NO_RANDOMIZE here, the scope did not");
            Assert.Equal(before, inside);
            Assert.Equal(0u, before & AddrNoRandomize);
        }

        Assert.Equal(before, ChildPersona());
    }

    [Fact]
    public void Keeping_randomization_changes_nothing_and_reports_what_the_children_get()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "personality(2) is Linux's");
        var before = ChildPersona();
        using var layout = ChildAddressLayout.Open(keepRandomization: true);
        Assert.Equal(before, ChildPersona());
        var systemRandomizes = File.ReadAllText("/proc/sys/kernel/randomize_va_space").Trim() != "0";
        Assert.Equal(systemRandomizes && (before & AddrNoRandomize) == 0, layout.ChildrenRandomized);
    }

    [Fact]
    public void Off_Linux_the_children_keep_the_system_layout()
    {
        Assert.SkipWhen(OperatingSystem.IsLinux(), "checked on the other platforms");
        using var layout = ChildAddressLayout.Open(keepRandomization: false);
        Assert.True(layout.ChildrenRandomized);
    }

    /// <summary>Whether <c>setarch -R</c> runs here and starts its command with ADDR_NO_RANDOMIZE.</summary>
    private static bool SetarchSetsTheFlag()
    {
        try
        {
            var start = new ProcessStartInfo("setarch", "-R cat /proc/self/personality")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var process = Process.Start(start)!;
            var text = process.StandardOutput.ReadToEnd();
            process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0
                && (uint.Parse(text.Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture) & AddrNoRandomize) != 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    /// <summary>The persona of a process started now: /proc/self/personality of a <c>cat</c>, eight hex digits.</summary>
    private static uint ChildPersona()
    {
        var start = new ProcessStartInfo("cat", "/proc/self/personality")
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var text = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        return uint.Parse(text.Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    }
}
