using System.Globalization;
using System.Text.Json.Nodes;
using Xunit;

namespace IrqLab.Tests.Cli;

/// <summary>The irqlab command line against SCENARIOS.md §10-§11: exit codes, JSON shapes, errors.</summary>
public sealed class CliTests
{
    private static string TempFile(string name, string text)
    {
        var dir = Path.Combine(Path.GetTempPath(), "irqlab-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Help_and_version_exit_0()
    {
        var help = CliRunner.Run("--help");
        Assert.Equal(0, help.Exit);
        Assert.Contains("run", help.Out, StringComparison.Ordinal);
        Assert.Contains("vectors", help.Out, StringComparison.Ordinal);
        Assert.Equal(0, CliRunner.Run("--version").Exit);
    }

    [Theory]
    [InlineData("run", "--bogus")]
    [InlineData("frobnicate")]
    [InlineData("run", "a.yaml", "b.yaml")]
    [InlineData("vectors", "--kernel", "5.4")]
    [InlineData("vectors", "--config", "NOPE=true")]
    [InlineData("vectors", "--config", "SMP=maybe")]
    [InlineData("run", "--log-limit", "-1", "x.yaml")]
    public void Usage_errors_exit_2_SCENARIOS_md_10(params string[] args)
    {
        var (exit, _, err) = CliRunner.Run(args);
        Assert.Equal(2, exit);
        Assert.False(string.IsNullOrWhiteSpace(err));
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_file_exits_2_with_the_error_object_under_json()
    {
        var (exit, output, err) = CliRunner.Run("run", "/nonexistent/dir/s.yaml", "--json");
        Assert.Equal(2, exit);
        Assert.Contains("/nonexistent/dir/s.yaml", err, StringComparison.Ordinal);
        var json = JsonNode.Parse(output)!;
        Assert.Equal(1, json["irqlab"]!.GetValue<int>());
        Assert.Equal("io", json["error"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public void Unknown_key_exits_2_naming_file_line_column_and_the_key()
    {
        var path = TempFile("bad.yaml", "irqlab: 1\nname: x\nmachine:\n  cpu: 2\n");
        var (exit, output, err) = CliRunner.Run("run", path, "--json");
        Assert.Equal(2, exit);
        Assert.Contains("bad.yaml:4:3", err, StringComparison.Ordinal);
        Assert.Contains("'cpu'", err, StringComparison.Ordinal);
        Assert.Contains("did you mean 'cpus'", err, StringComparison.Ordinal);
        var error = JsonNode.Parse(output)!["error"]!;
        Assert.Equal("unknown_key", error["code"]!.GetValue<string>());
        Assert.Equal(4, error["line"]!.GetValue<int>());
        Assert.Equal(3, error["column"]!.GetValue<int>());
    }

    /// <summary>A bare scenario whose step 1 expects the wrong handler (line 8) and whose step 2 holds.</summary>
    private const string FailingCheck = """
        irqlab: 1
        name: failing
        kernel: {mode: bare}
        machine: {cpus: 1}
        handlers: [{vector: 0x41, do: [eoi]}]
        steps:
          - {ipi: {from: 0, to: self, vector: 0x41}}
          - {expect: {handlers: [vector_0x42]}}
          - {expect: {handlers: []}}
        """;

    [Fact]
    public void Check_exits_1_when_an_expect_fails_and_prints_expected_vs_actual()
    {
        var path = TempFile("fail.yaml", FailingCheck);
        var (exit, output, _) = CliRunner.Run("check", path);
        Assert.Equal(1, exit);
        Assert.Contains("fail.yaml:8: FAIL step 1: handlers: expected [vector_0x42], got [vector_0x41]", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Max_events_cuts_the_run_with_a_warning_and_check_fails_on_the_expects_not_reached()
    {
        // docs/reliability.md bug 3: --max-events bounds the work; a cut run "ran" (exit 0, SCENARIOS.md §10) but an
        // expect after the cut fails under check (exit 1) instead of vanishing.
        var path = TempFile("cut.yaml", Simulation.MaxEventsTests.TwoAdvances);

        var (runExit, runOut, _) = CliRunner.Run("run", path, "--json", "--max-events", "15");
        var json = JsonNode.Parse(runOut)!;
        Assert.Equal(0, runExit);
        Assert.Equal(15, (long)json["stats"]!["events"]!);
        Assert.StartsWith("irqlab: run stopped at ", (string)json["messages"]![0]!["text"]!, StringComparison.Ordinal);

        var (checkExit, checkOut, _) = CliRunner.Run("check", path, "--max-events", "15");
        Assert.Equal(1, checkExit);
        Assert.Contains("cut.yaml:9: FAIL step 3: not reached: the run stopped at ", checkOut, StringComparison.Ordinal);
        Assert.Equal(0, CliRunner.Run("check", path).Exit);
    }

    [Fact]
    public void Max_events_warns_on_stderr_under_check_and_trace_too()
    {
        // docs/cli.md: --max-events (also on check and trace) stops the run "with a warning message". run shows it
        // among the messages; check and trace print no messages of their own, so they print it on stderr: a cut run
        // must not pass check silently, nor trace write a cut trace without a word (docs/simulation.md
        // "Safety bounds"). A run that needs exactly N events is complete and warns of nothing.
        var path = TempFile("cut-quiet.yaml", """
            irqlab: 1
            name: cut-quiet
            workload:
              - {timer: {hz: 1000}}
            run: {until: 10ms}
            """);
        const string Warning = "irqlab: run stopped at ";

        var check = CliRunner.Run("check", path, "--max-events", "5");
        Assert.Equal(0, check.Exit);
        Assert.Contains($"{path}: {Warning}", check.Err, StringComparison.Ordinal);
        Assert.Contains("after 5 events (--max-events 5); the rest of the run was not simulated", check.Err, StringComparison.Ordinal);
        Assert.DoesNotContain(Warning, check.Out, StringComparison.Ordinal);

        var checkJson = CliRunner.Run("check", path, "--max-events", "5", "--json");
        Assert.Contains(Warning, checkJson.Err, StringComparison.Ordinal);
        Assert.NotNull(JsonNode.Parse(checkJson.Out));

        foreach (var format in new[] { "chrome", "ftrace" })
        {
            var output = Path.Combine(Path.GetDirectoryName(path)!, "cut." + format);
            var trace = CliRunner.Run("trace", path, "-o", output, "--format", format, "--max-events", "5");
            Assert.Equal(0, trace.Exit);
            Assert.StartsWith(Warning, trace.Err, StringComparison.Ordinal);
        }

        var events = (long)JsonNode.Parse(CliRunner.Run("run", path, "--json").Out)!["stats"]!["events"]!;
        var complete = CliRunner.Run("trace", path, "-o", Path.Combine(Path.GetDirectoryName(path)!, "whole.json"), "--max-events", events.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(0, complete.Exit);
        Assert.DoesNotContain(Warning, complete.Err, StringComparison.Ordinal);
        Assert.DoesNotContain(Warning, CliRunner.Run("check", path, "--max-events", events.ToString(CultureInfo.InvariantCulture)).Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_json_is_one_object_per_file_expects_or_load_error_then_totals_SCENARIOS_md_11()
    {
        // §11: other commands follow the same JSON conventions ("irqlab": 1, the §7 expects, the §10 error object).
        var failing = TempFile("fail.yaml", FailingCheck);
        var bad = TempFile("bad.yaml", "irqlab: 1\nname: bad\nbogus: 1\n");

        var (exit, output, _) = CliRunner.Run("check", failing, bad, "--json");

        Assert.Equal(2, exit); // bad input outranks a failed expect
        var json = JsonNode.Parse(output)!.AsObject();
        Assert.Equal(["irqlab", "files", "passed", "failed"], json.Select(kv => kv.Key).ToArray());
        Assert.Equal((1, 1), ((int)json["passed"]!, (int)json["failed"]!));
        var files = json["files"]!.AsArray();
        Assert.Equal(["file", "ok", "expects", "error"], files[0]!.AsObject().Select(kv => kv.Key).ToArray());
        Assert.False((bool)files[0]!["ok"]!);
        Assert.Equal([(1, false), (2, true)], files[0]!["expects"]!.AsArray().Select(e => ((int)e!["step"]!, (bool)e["ok"]!)).ToArray());
        Assert.Null(files[0]!["error"]);
        Assert.Equal(("unknown_key", 3, 1), ((string)files[1]!["error"]!["code"]!, (int)files[1]!["error"]!["line"]!, (int)files[1]!["error"]!["column"]!));
        Assert.Empty(files[1]!["expects"]!.AsArray());
    }

    [Fact]
    public void Run_json_has_the_keys_of_SCENARIOS_md_10_in_order()
    {
        var (exit, output, _) = CliRunner.Run("run", RepoPaths.Scenario("idt-vs-fred.yaml"), "--json");
        Assert.Equal(0, exit);
        var json = JsonNode.Parse(output)!.AsObject();
        Assert.Equal(
            ["irqlab", "scenario", "seed", "kernel", "time_ns", "dispatch", "reads", "expects", "interrupts", "vmexits", "messages", "faults", "stats"],
            json.Select(kv => kv.Key).ToArray());
        Assert.Equal(
            ["mode", "version", "variant", "delivery", "first_system_vector", "nr_system_vectors"],
            json["kernel"]!.AsObject().Select(kv => kv.Key).ToArray());
        Assert.Equal(
            ["seq", "t_ns", "cpu", "event", "vector", "handler", "path", "depth", "irq", "vm", "vcpu"],
            json["dispatch"]![0]!.AsObject().Select(kv => kv.Key).ToArray());
        var row = json["interrupts"]!["rows"]!.AsArray().First(r => r!["row"]!.GetValue<string>() == "14")!;
        Assert.Equal(["row", "counts", "chip", "hwirq", "actions"], row.AsObject().Select(kv => kv.Key).ToArray());
        Assert.Equal("IO-APIC", row["chip"]!.GetValue<string>());
        Assert.Equal("14-edge", row["hwirq"]!.GetValue<string>());
        Assert.Equal("ata0", row["actions"]!.GetValue<string>());
        var loc = json["interrupts"]!["rows"]!.AsArray().First(r => r!["row"]!.GetValue<string>() == "LOC")!;
        Assert.Equal("Local timer interrupts", loc["desc"]!.GetValue<string>());
    }

    [Fact]
    public void Log_limit_caps_dispatch_and_sets_dispatch_truncated()
    {
        var (exit, output, _) = CliRunner.Run("run", RepoPaths.Scenario("idt-vs-fred.yaml"), "--json", "--log-limit", "2");
        Assert.Equal(0, exit);
        var json = JsonNode.Parse(output)!;
        Assert.Equal(2, json["dispatch"]!.AsArray().Count);
        Assert.True(json["dispatch_truncated"]!.GetValue<bool>());
    }

    /// <summary>
    /// SCENARIOS.md §10: <c>--log-limit N</c> caps <c>dispatch</c>, and <c>"dispatch_truncated": true</c> says entries were
    /// left out. idt-vs-fred.yaml enters 6 handlers: a limit of 6 or more keeps them all and the key is absent (docs/cli.md),
    /// a limit of 5 drops one.
    /// </summary>
    [Theory]
    [InlineData("5", 5, true)]
    [InlineData("6", 6, false)]
    [InlineData("7", 6, false)]
    public void Dispatch_truncated_appears_only_when_handlers_were_left_out(string limit, int kept, bool truncated)
    {
        var (exit, output, _) = CliRunner.Run("run", RepoPaths.Scenario("idt-vs-fred.yaml"), "--json", "--log-limit", limit);
        Assert.Equal(0, exit);
        var json = JsonNode.Parse(output)!.AsObject();
        Assert.Equal(6, json["stats"]!["handlers"]!.GetValue<int>());
        Assert.Equal(kept, json["dispatch"]!.AsArray().Count);
        Assert.Equal(truncated, json.ContainsKey("dispatch_truncated"));
        var keys = json.Select(kv => kv.Key).ToList();
        if (truncated)
        {
            Assert.Equal(keys.IndexOf("dispatch") + 1, keys.IndexOf("dispatch_truncated"));
        }
    }

    [Fact]
    public void Seed_option_overrides_the_scenario_seed()
    {
        var a = JsonNode.Parse(CliRunner.Run("run", RepoPaths.Scenario("ipi-storm-1024.yaml"), "--json", "--log-limit", "0", "--seed", "7").Out)!;
        var b = JsonNode.Parse(CliRunner.Run("run", RepoPaths.Scenario("ipi-storm-1024.yaml"), "--json", "--log-limit", "0").Out)!;
        Assert.Equal(7UL, a["seed"]!.GetValue<ulong>());
        Assert.NotEqual(a["interrupts"]!.ToJsonString(), b["interrupts"]!.ToJsonString());
    }

    /// <summary>The integer options read <c>0x</c> hexadecimal as a scenario's numbers do (<c>seed: 0x1D7F</c>).</summary>
    [Fact]
    public void Seed_option_takes_hexadecimal_as_the_scenario_seed_does()
    {
        var hex = JsonNode.Parse(CliRunner.Run("run", RepoPaths.Scenario("ipi-storm-1024.yaml"), "--json", "--log-limit", "0", "--seed", "0x1D7F").Out)!;
        var dec = JsonNode.Parse(CliRunner.Run("run", RepoPaths.Scenario("ipi-storm-1024.yaml"), "--json", "--log-limit", "0", "--seed", "7551").Out)!;
        Assert.Equal(7551UL, hex["seed"]!.GetValue<ulong>());
        Assert.Equal(dec["interrupts"]!.ToJsonString(), hex["interrupts"]!.ToJsonString());
    }

    [Theory]
    [InlineData("6.1", 236, 20, "sysvec_irq_move_cleanup")]
    [InlineData("6.10", 235, 21, null)]
    public void Vectors_json_has_256_entries_per_SCENARIOS_md_11(string version, int first, int count, string? cleanupHandler)
    {
        var (exit, output, _) = CliRunner.Run("vectors", "--kernel", version, "--json");
        Assert.Equal(0, exit);
        var json = JsonNode.Parse(output)!;
        Assert.Equal(first, json["kernel"]!["first_system_vector"]!.GetValue<int>());
        Assert.Equal(count, json["kernel"]!["nr_system_vectors"]!.GetValue<int>());
        var vectors = json["vectors"]!.AsArray();
        Assert.Equal(256, vectors.Count);
        Assert.Equal(Enumerable.Range(0, 256), vectors.Select(v => v!["vector"]!.GetValue<int>()));
        var timer = vectors[0xec]!;
        Assert.Equal("LOCAL_TIMER_VECTOR", timer["name"]!.GetValue<string>());
        Assert.Equal("system", timer["kind"]!.GetValue<string>());
        Assert.Equal("sysvec_apic_timer_interrupt", timer["handler"]!.GetValue<string>());
        Assert.Equal("X86_LOCAL_APIC", timer["config"]!.GetValue<string>());
        Assert.Equal("LOC", timer["row"]!.GetValue<string>());
        Assert.Equal(cleanupHandler, vectors[0x20]!["handler"]!.GetValue<string>() == "common_interrupt" ? null : vectors[0x20]!["handler"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("6.6", null)]                   // irq_vectors.h 6.6: POSTED_INTR_VECTOR only #ifdef CONFIG_HAVE_KVM
    [InlineData("6.9", "POSTED_INTR_VECTOR")]   // irq_vectors.h 6.9: the posted-interrupt constants are unconditional
    public void Vectors_config_off_slot_gets_the_variant_spurious_handler_SCENARIOS_md_11(string kernel, string? name)
    {
        var (exit, output, _) = CliRunner.Run("vectors", "--kernel", kernel, "--config", "HAVE_KVM=false", "--json");
        Assert.Equal(0, exit);
        var pin = JsonNode.Parse(output)!["vectors"]![0xf2]!;
        Assert.Equal(name, pin["name"]?.GetValue<string>());
        Assert.Equal("spurious_interrupt", pin["handler"]!.GetValue<string>());
    }

    [Fact]
    public void Vectors_table_renders_without_json()
    {
        var (exit, output, _) = CliRunner.Run("vectors", "--kernel", "latest");
        Assert.Equal(0, exit);
        Assert.Contains("LOCAL_TIMER_VECTOR", output, StringComparison.Ordinal);
        Assert.Contains("FIRST_SYSTEM_VECTOR 0xeb", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Human_run_output_prints_proc_interrupts_and_vm_exits()
    {
        var (exit, output, _) = CliRunner.Run("run", RepoPaths.Scenario("vm-exit-reinjection.yaml"));
        Assert.Equal(0, exit);
        Assert.Contains("/proc/interrupts:", output, StringComparison.Ordinal);
        Assert.Contains("RES:", output, StringComparison.Ordinal);
        Assert.Contains("EXTERNAL_INTERRUPT", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Trace_writes_chrome_trace_json_with_a_track_per_cpu()
    {
        var output = Path.Combine(Path.GetTempPath(), "irqlab-tests", Guid.NewGuid().ToString("N") + ".json");
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        var (exit, _, err) = CliRunner.Run("trace", RepoPaths.Scenario("nested-self-ipi.yaml"), "-o", output);
        Assert.True(exit == 0, err);
        var json = JsonNode.Parse(File.ReadAllText(output))!;
        var events = json["traceEvents"]!.AsArray();
        Assert.Contains(events, e => e!["ph"]!.GetValue<string>() == "B" && e["name"]!.GetValue<string>() == "vector_0x51");
        Assert.Equal(events.Count(e => e!["ph"]!.GetValue<string>() == "B"), events.Count(e => e!["ph"]!.GetValue<string>() == "E"));
    }

    [Theory]
    [InlineData("nested-self-ipi.yaml", "1 CPU, ")]   // a 1-CPU machine: "1 CPU", not "1 CPUs"
    [InlineData("idt-vs-fred.yaml", "2 CPUs, ")]
    public void Trace_summary_line_counts_cpus_in_plain_words(string scenario, string expected)
    {
        var output = Path.Combine(Path.GetTempPath(), "irqlab-tests", Guid.NewGuid().ToString("N") + ".json");
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        var (exit, _, err) = CliRunner.Run("trace", RepoPaths.Scenario(scenario), "-o", output);
        Assert.True(exit == 0, err);
        Assert.Contains($"irqlab: wrote {output}: {expected}", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Trace_ftrace_format_writes_the_kernel_irq_vectors_events()
    {
        var output = Path.Combine(Path.GetTempPath(), "irqlab-tests", Guid.NewGuid().ToString("N") + ".txt");
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        var (exit, _, err) = CliRunner.Run("trace", RepoPaths.Scenario("idt-vs-fred.yaml"), "-o", output, "--format", "ftrace");
        Assert.True(exit == 0, err);
        var text = File.ReadAllText(output);
        Assert.Contains("reschedule_entry: vector=253", text, StringComparison.Ordinal);
        Assert.Contains("irq_handler_entry: irq=14 name=ata0", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_reads_an_ftrace_capture()
    {
        var (exit, output, err) = CliRunner.Run("replay", Path.Combine(AppContext.BaseDirectory, "Data", "Tracing", "ftrace-irq-6x.txt"));
        Assert.True(exit == 0, err);
        Assert.False(string.IsNullOrWhiteSpace(output));
    }

    [Fact]
    public void Replay_two_snapshots_needs_an_interval()
    {
        var before = Path.Combine(AppContext.BaseDirectory, "Data", "Tracing", "proc-interrupts-6.14-before.txt");
        var after = Path.Combine(AppContext.BaseDirectory, "Data", "Tracing", "proc-interrupts-6.14-after.txt");
        Assert.Equal(2, CliRunner.Run("replay", before, after).Exit);
        var (exit, output, err) = CliRunner.Run("replay", before, after, "--interval", "10s", "--json");
        Assert.True(exit == 0, err);
        var json = JsonNode.Parse(output)!;
        Assert.Equal(1, (int)json["irqlab"]!);
        Assert.Equal("proc-interrupts", (string)json["source"]!);
        Assert.Equal(10.0, (double)json["interval_s"]!);
    }

    [Fact]
    public void Help_texts_describe_the_text_output_and_every_exit_code()
    {
        // docs/cli.md: "irqlab --help and irqlab <command> --help describe every option"; the text output of run is a
        // summary, /proc/interrupts, messages, faults and VM exits by reason (the dispatch log is only in --json,
        // SCENARIOS.md §10), and the exit codes are 0, 1, 2 and 70 (an internal error): run --help promises no dispatch
        // log in the text output, and the root help lists exit code 70.
        var run = CliRunner.Run("run", "--help");
        Assert.Equal(0, run.Exit);
        Assert.DoesNotContain("print what happened: dispatch log", run.Out, StringComparison.Ordinal);
        Assert.Contains("--json adds the dispatch log", run.Out, StringComparison.Ordinal);

        var root = CliRunner.Run("--help");
        Assert.Equal(0, root.Exit);
        Assert.Contains("70 an internal error", root.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("run", "--seed <N>")]
    [InlineData("run", "--log-limit <N>")]
    [InlineData("run", "--max-events <N>")]
    [InlineData("check", "--max-events <N>")]
    [InlineData("trace", "-o, --output <FILE>")]
    [InlineData("trace", "--format <chrome|ftrace>")]
    [InlineData("vectors", "--kernel <6.1|6.6|6.9|6.10|latest>")]
    [InlineData("vectors", "--delivery <idt|fred>")]
    [InlineData("vectors", "--config <NAME=true|false>")]
    [InlineData("replay", "--interval <DURATION>")]
    [InlineData("replay", "--trace <FILE>")]
    public void Help_names_each_option_value_as_its_description_and_docs_cli_md_do(string command, string usage)
    {
        // The descriptions say "at N entries", "reaches N", "NAME=true|false", and the versions in release order; the
        // placeholders were the option names (--seed <seed>) and the versions sorted as text (6.1|6.10|6.6|6.9|latest).
        var (exit, output, _) = CliRunner.Run(command, "--help");
        Assert.Equal(0, exit);
        Assert.Contains("  " + usage + " ", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Trace_help_lists_the_instant_events_of_the_chrome_format_as_docs_cli_md_does()
    {
        // docs/cli.md trace: instant events for device raises, EOIs, VM exits/entries, kernel messages (cat "log") and
        // faults (cat "fault"); --format's description named only raises and EOIs.
        var (exit, output, _) = CliRunner.Run("trace", "--help");
        Assert.Equal(0, exit);
        var flat = string.Join(' ', output.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("instants for raises, EOIs, VM exits and entries, kernel messages and faults", flat, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_help_says_that_two_snapshots_need_interval()
    {
        // Audit round 2, finding 10: replay --help did not say that --interval is required with two files, which
        // is the usage error "two snapshots need --interval".
        var (exit, output, _) = CliRunner.Run("replay", "--help");
        Assert.Equal(0, exit);
        Assert.Contains("replay <FILE> [<AFTER>] [options]", output, StringComparison.Ordinal);
        Assert.Contains("Required with AFTER.", output, StringComparison.Ordinal);
        Assert.Contains("needs --interval", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_garbled_capture_exits_2_with_the_line_number()
    {
        var path = TempFile("bad-trace.txt", "# tracer: nop\n          <idle>-0     [001] d.h.. 1234.567890: irq_handler_entry: irq=\n");
        var (exit, _, err) = CliRunner.Run("replay", path);
        Assert.Equal(2, exit);
        Assert.Contains(":2:", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Bench_plot_without_scaling_is_a_usage_error()
    {
        var (exit, _, err) = CliRunner.Run("bench", "--plot", Path.Combine(Path.GetTempPath(), "irqlab-no.svg"));
        Assert.Equal(2, exit);
        Assert.Contains("--plot draws the scaling sweep: use it with --scaling", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Bench_scaling_quick_writes_the_sweep_json_and_the_svg()
    {
        var svg = Path.Combine(Path.GetTempPath(), "irqlab-tests", Guid.NewGuid().ToString("N") + ".svg");
        Directory.CreateDirectory(Path.GetDirectoryName(svg)!);
        var (exit, output, err) = CliRunner.Run("bench", "--scaling", "--quick", "--json", "--plot", svg);
        Assert.True(exit == 0, err);
        var json = JsonNode.Parse(output)!;
        Assert.Equal(1, (int)json["irqlab"]!);
        var points = json["scaling"]!.AsArray();
        Assert.Equal(["cpus", "rate", "devices"], points.Select(p => (string)p!["series"]!).Distinct());
        Assert.All(points, p => Assert.True((double)p!["ns_per_interrupt"]! > 0 && (long)p["interrupts"]! > 0));
        Assert.StartsWith("<svg", File.ReadAllText(svg), StringComparison.Ordinal);
    }

    [Fact]
    public void Bench_plot_to_an_unwritable_path_exits_2_before_measuring()
    {
        var (exit, _, err) = CliRunner.Run("bench", "--scaling", "--plot", "/nonexistent-dir/x.svg");
        Assert.Equal(2, exit);
        Assert.Contains("cannot write '/nonexistent-dir/x.svg'", err, StringComparison.Ordinal);
    }
}
