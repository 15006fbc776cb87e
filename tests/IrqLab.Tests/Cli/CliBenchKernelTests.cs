using System.Text.Json;
using IrqLab.Benchmarks;
using IrqLab.Cli;
using IrqLab.Cli.Commands;
using IrqLab.Scenarios;
using IrqLab.Tests.Benchmarks;
using Xunit;

namespace IrqLab.Tests.Cli;

/// <summary>
/// <c>irqlab bench</c> measures each kernel of its suite, with its native counterpart, in a process of its own
/// (<c>bench --kernel</c>): two kernels share <c>ExternalInterrupt</c>, and in one process the JIT compiled it once with
/// the profile of whichever ran first (docs/performance.md, "Kernels"). The C# and native sides of one kernel still run
/// side by side in that process (SCENARIOS.md §12: "measured in the same run").
/// </summary>
[Collection(IrqLab.Tests.Benchmarks.NativeReferenceCollection.Name)]
public sealed class CliBenchKernelTests : IClassFixture<NativeFixture>
{
    private readonly NativeFixture _fixture;

    public CliBenchKernelTests(NativeFixture fixture) => _fixture = fixture;

    [Fact]
    public void Kernel_mode_prints_one_kernels_entry_with_its_native_counterpart()
    {
        _ = _fixture.Path; // skips where the library cannot be built

        var (exit, stdout, err) = CliRunner.Run("bench", "--kernel", "external_interrupt.device_vector", "--quick");

        Assert.True(exit == CliApp.ExitOk, err);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal(["name", "ns_per_op", "native_ns_per_op", "ratio", "allocated_bytes_per_op"],
            doc.RootElement.EnumerateObject().Select(p => p.Name).ToArray());
        var k = BenchReport.ReadKernel(doc.RootElement);
        Assert.Equal("external_interrupt.device_vector", k.Name);
        Assert.True(k.NsPerOp > 0 && k.NativeNsPerOp > 0, stdout);
        Assert.Equal(0, k.AllocatedBytesPerOp);
        Assert.Contains("bench: external_interrupt.device_vector: ", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Suite_runs_the_kernel_in_a_child_process_that_loads_the_library_the_suite_checked()
    {
        var err = new StringWriter();
        var cli = new CliContext(new StringWriter(), err);

        var k = BenchCommand.RunKernelProcess(cli, "pipeline.msi_to_eoi", _fixture.Path, quick: true);

        Assert.Equal("pipeline.msi_to_eoi", k.Name);
        Assert.Null(k.NativeNsPerOp);
        Assert.Null(k.Ratio);
        Assert.NotNull(k.InterruptsPerSecond);
        Assert.Equal(0, k.AllocatedBytesPerOp);

        // The child's progress lines reach the parent's stderr, naming the library it was given.
        Assert.Contains($"bench: native reference {_fixture.Path}", err.ToString(), StringComparison.Ordinal);
        Assert.Contains("bench: pipeline.msi_to_eoi: ", err.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_child_given_a_library_that_does_not_exist_fails_the_suite_exit_2()
    {
        // The child takes the library from IRQLAB_NATIVE_LIB, set by the suite to the path it checked: a wrong one
        // makes the child exit 2, and the suite says which kernel failed.
        var missing = Path.Combine(Path.GetTempPath(), "irqlab-tests", Guid.NewGuid().ToString("N"), NativeLibraryLocator.LibraryFileName);
        var err = new StringWriter();
        var cli = new CliContext(new StringWriter(), err);

        var e = Assert.Throws<CliUsageException>(() => BenchCommand.RunKernelProcess(cli, "lapic.accept_eoi", missing, quick: true));

        Assert.Equal("measuring lapic.accept_eoi in its own process failed (exit 2; its messages are above)", e.Message);
        Assert.Equal(ErrorCodes.Io, e.Code);
        Assert.Contains(missing, err.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("external_interrupt")]
    [InlineData("no-such-kernel")]
    public void Kernel_mode_takes_only_the_suite_kernels_exit_2(string name)
    {
        var (exit, stdout, err) = CliRunner.Run("bench", "--kernel", name);

        Assert.Equal(CliApp.ExitBadInput, exit);
        Assert.Equal(string.Empty, stdout);
        Assert.Contains("--kernel takes one of the suite's kernels: external_interrupt.system_vector, external_interrupt.device_vector, " +
                        "lapic.highest_priority_scan, lapic.accept_eoi, pipeline.msi_to_eoi", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--scaling")]
    [InlineData("--plot", "x.svg")]
    [InlineData("--simulation", "scenarios/default.yaml")]
    public void Kernel_mode_goes_with_no_other_mode_exit_2(params string[] extra)
    {
        var (exit, stdout, err) = CliRunner.Run(["bench", "--kernel", "lapic.accept_eoi", .. extra]);

        Assert.Equal(CliApp.ExitBadInput, exit);
        Assert.Equal(string.Empty, stdout);
        Assert.Contains("--kernel measures one kernel of the suite: use it without --simulation, --scaling and --plot", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("external_interrupt.device_vector", 6.43, 5.73, 1.12, null)]
    [InlineData("pipeline.msi_to_eoi", 45.21, null, null, 22_121_062.0)]
    public void A_kernel_measurement_reads_back_as_written(string name, double ns, double? native, double? ratio, double? rate)
    {
        var written = new KernelBenchResult(name, ns, native, ratio, 0, rate);
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            BenchReport.WriteKernel(written, w);
        }

        using var doc = JsonDocument.Parse(stream.ToArray());
        Assert.Equal(written, BenchReport.ReadKernel(doc.RootElement));
    }

    [Fact]
    public void A_kernel_measurement_missing_a_key_is_a_format_error()
    {
        using var doc = JsonDocument.Parse("""{"name": "lapic.accept_eoi", "ns_per_op": 13.3}""");

        Assert.Throws<FormatException>(() => BenchReport.ReadKernel(doc.RootElement));
    }
}
