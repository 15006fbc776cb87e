using CsCheck;
using IrqLab.Scenarios;
using IrqLab.Scenarios.Model;
using IrqLab.Simulation;
using IrqLab.Simulation.Output;
using IrqLab.Tests.Simulation;
using IrqLab.Tracing;
using Xunit;
using Xunit.Sdk;

namespace IrqLab.Tests.Robustness;

/// <summary>
/// Issue 8 "random event sequences": long random sequences of device raises/lowers/pulses, IPIs of every mode and
/// destination, NMIs, exceptions, cli/sti, EOI and TPR writes through <see cref="Simulator.Run"/>: no exception, no hang,
/// and the conservation identity raised == delivered + coalesced + pending + masked + dropped.
/// </summary>
public sealed class SimulatorEventFuzzTests
{
    /// <summary>
    /// The zero-time storm bound for these runs (docs/simulation.md "Safety bounds"; the CLI's is 2,000,000 handler
    /// entries at one instant). A storm the grammar draws (a level-triggered auto-EOI 8259 input held, a self-raising
    /// handler without time) stops the same way at either bound, and what the checks look at (conservation, the probes,
    /// tracing changing nothing) does not depend on where; 2,000,000 entries took seconds each, and more than the hang
    /// bound with the trace writers on a loaded 2-core machine (iterations 10 and 710 of the event sequences).
    /// </summary>
    private const long StormBound = 50_000;

    public const int Iterations = 1200;

    public const int VmIterations = 200;

    public const int FeatureIterations = 60;

    [Fact]
    public void Random_event_sequences_conserve_every_raised_interrupt()
    {
        long steps = 0;
        long raised = 0;
        long probes = 0;
        var runs = 0;
        Fuzz.Run(ScenarioGrammar.EventSequences(300), seed: 61, Iterations, g =>
        {
            var s = RunAndCheck(g, "events.yaml", runs++ % 10 == 0);
            steps += g.StepCount;
            probes += 3L * g.StepCount;
            raised += s.Raised;
        });

        TestContext.Current.TestOutputHelper?.WriteLine($"event fuzz: {Iterations} runs, {steps} event steps, {probes} probe reads, {raised} interrupts raised");
        Assert.True(steps >= 150_000, $"only {steps} steps");
    }

    /// <summary>
    /// The same checks on event sequences with a VM (<see cref="ScenarioGrammar.VmEventSequences"/>): VMX operations,
    /// posted interrupts, virtual NMIs and wake_from_halt among the host's events; every 10th run also traced.
    /// </summary>
    [Fact]
    public void Random_event_sequences_with_a_vm_conserve_every_raised_interrupt() =>
        RunGrammar("vm event fuzz", ScenarioGrammar.VmEventSequences(150), 20261127, VmIterations, "vm-events.yaml", 10_000);

    /// <summary>
    /// The same checks on <see cref="ScenarioGrammar.FeatureSequences"/>: several VMs whose vCPUs share host CPUs, MSI-X
    /// devices whose vector reservations exceed the vectors left, APIC-page MMIO in x2APIC mode and APIC mode switches.
    /// </summary>
    [Fact]
    public void Random_feature_sequences_conserve_every_raised_interrupt() =>
        RunGrammar("feature fuzz", ScenarioGrammar.FeatureSequences(120), 20261128, FeatureIterations, "features.yaml", 2_000);

    /// <summary>
    /// The VM grammars draw each kind of guest handler action (SCENARIOS.md §9: §6's actions; docs/simulation.md "Guest
    /// handlers' actions"): reads and writes of the guest's APIC, named and raw, IPIs other than self-IPIs, and device
    /// actions. Before, their guest handlers had only sti, advance, self-IPIs, named ISR reads and eoi.
    /// </summary>
    [Fact]
    public void The_vm_grammars_draw_every_kind_of_guest_action()
    {
        var kinds = new HashSet<string>(StringComparer.Ordinal);
        var random = new Random(20261128);
        ulong Next() => (ulong)random.NextInt64() ^ ((ulong)random.NextInt64() << 1);
        for (var i = 0; i < 400; i++)
        {
            var yaml = i % 2 == 0
                ? ScenarioGrammar.BuildFeatures(Next(), [Next(), Next()], [Next()], Next()).Yaml
                : ScenarioGrammar.Build(Next(), [Next(), Next()], [], [], [Next()], Next() / 3 * 3, eventsOnly: true).Yaml;
            foreach (var vm in ScenarioLoader.Parse(yaml, "vm.yaml").Vms)
            {
                foreach (var action in vm.Handlers.SelectMany(h => h.Do))
                {
                    kinds.Add(action switch
                    {
                        ReadStep r => "read " + r.Target.Kind,
                        WriteStep w => "write " + w.Target.Kind,
                        IpiStep { To: IpiTargetKind.Self } => "self-ipi",
                        IpiStep ipi => "ipi " + ipi.Mode,
                        DeviceStep d => "device " + d.Op,
                        _ => action.GetType().Name,
                    });
                }
            }
        }

        Assert.Superset(
            new HashSet<string>(StringComparer.Ordinal)
            {
                "read Named", "read Msr", "read Mmio", "write Named", "write Msr", "write Mmio", "self-ipi", "ipi Fixed", "ipi Nmi",
                "ipi LowestPriority", "device Raise", "device Lower", "device Pulse",
            },
            kinds);
    }

    /// <summary>
    /// Runs <paramref name="iterations"/> scenarios of <paramref name="grammar"/> through <see cref="RunAndCheck"/> (every
    /// 10th also traced) and requires at least <paramref name="minSteps"/> event steps in all, so a grammar that stopped
    /// producing steps fails.
    /// </summary>
    private static void RunGrammar(string label, Gen<GeneratedScenario> grammar, ulong seed, int iterations, string file, long minSteps)
    {
        long steps = 0;
        var runs = 0;
        Fuzz.Run(grammar, seed, iterations, g =>
        {
            RunAndCheck(g, file, runs++ % 10 == 0);
            steps += g.StepCount;
        });

        TestContext.Current.TestOutputHelper?.WriteLine($"{label}: {iterations} runs, {steps} event steps");
        Assert.True(steps >= minSteps, $"only {steps} steps");
    }

    /// <summary>
    /// Runs one generated scenario under the hang bound and checks the APIC probes, the conservation of raised interrupts
    /// (every one delivered, coalesced, pending, masked or dropped) and, when <paramref name="traced"/>, that tracing
    /// changes nothing.
    /// </summary>
    private static RunStats RunAndCheck(GeneratedScenario g, string fileName, bool traced)
    {
        var scenario = ScenarioLoader.Parse(g.Yaml, fileName);
        var task = Task.Run(() => Simulator.Run(scenario, new SimulationOptions { LogLimit = 100, MaxEntriesPerInstant = StormBound }));
        if (!task.Wait(Fuzz.RunTimeout))
        {
            throw new XunitException($"Simulator.Run did not finish in {Fuzz.RunTimeout.TotalSeconds}s\n{g}");
        }

        CheckProbes(task.Result, g);
        CheckVcpuPinning(scenario, task.Result, g);
        if (traced)
        {
            CheckTracingChangesNothing(scenario, task.Result, g);
        }

        if (Sim.Unconserved(task.Result) is { } broken)
        {
            throw new XunitException($"{broken}\n{g}");
        }

        return task.Result.Stats;
    }

    /// <summary>Regression: the fuzzer's shrunk reproduction of the INIT double count (docs/reliability.md, bug 1).</summary>
    [Fact]
    public void Init_after_an_in_service_vector_keeps_the_books_balanced()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Data", "Robustness", "init-after-spurious-vector.yaml");
        var s = Simulator.Run(ScenarioLoader.Load(path)).Stats;
        Assert.Equal(1, s.Raised);
        Assert.Equal(1, s.Delivered);
        Assert.Equal(0, s.Dropped);
        Assert.Null(Sim.Unconserved(s));
    }

    /// <summary>
    /// The machine-level APIC invariants on every probe (ISR, TPR, PPR of one CPU read after each event): PPR follows
    /// SDM 11.8.3.1 and at most one vector per priority class is in service (a vector enters ISR only when its class is
    /// above PPR, which is at least the highest in-service class; SDM 11.8.3, 11.8.4).
    /// </summary>
    private static void CheckProbes(RunResult result, GeneratedScenario g)
    {
        var reads = new Dictionary<string, ReadValue>(result.Reads);

        // A zero-time storm (a level-triggered 8259 input in auto-EOI mode that no handler quiets) ends the run at the
        // handler bound of docs/simulation.md "Safety bounds"; the steps after it never ran.
        var stopped = result.Messages.Any(m => m.Text.Contains("without simulated time moving; run stopped", StringComparison.Ordinal));
        for (var i = 0; i < g.StepCount; i++)
        {
            if (stopped && !reads.ContainsKey($"p{i}_isr"))
            {
                return;
            }

            var isr = reads[$"p{i}_isr"];
            var tpr = (int)reads[$"p{i}_tpr"].Scalar;
            var ppr = (int)reads[$"p{i}_ppr"].Scalar;
            var isrv = isr.List is { Count: > 0 } list ? list.Max() : 0;
            var expected = (tpr & 0xF0) >= (isrv & 0xF0) ? tpr : isrv & 0xF0;
            if (ppr != expected)
            {
                throw new XunitException($"after step {i}: PPR 0x{ppr:X2}, but TPR 0x{tpr:X2} and ISR [{string.Join(", ", isr.List ?? [])}] give 0x{expected:X2} (SDM 11.8.3.1)\n{g}");
            }

            var classes = new HashSet<int>();
            foreach (var v in isr.List ?? [])
            {
                if (!classes.Add(v >> 4))
                {
                    throw new XunitException($"after step {i}: two in-service vectors in class {v >> 4}: ISR [{string.Join(", ", isr.List!)}]\n{g}");
                }
            }
        }
    }

    /// <summary>
    /// SCENARIOS.md §9: each vCPU is pinned to its host CPU, so its guest handlers (dispatch entries with vm/vcpu) and its
    /// VM exits are on that CPU only, also when several vCPUs share the CPU.
    /// </summary>
    private static void CheckVcpuPinning(Scenario scenario, RunResult result, GeneratedScenario g)
    {
        var pinned = scenario.Vms.ToDictionary(v => v.Name, v => v.VcpuCpus);
        foreach (var d in result.Dispatch)
        {
            if (d.Vm is { } vm && pinned[vm][d.Vcpu!.Value] != d.Cpu)
            {
                throw new XunitException($"guest handler {d.Handler} (seq {d.Seq}) of {vm} vCPU {d.Vcpu} ran on CPU {d.Cpu}, pinned to {pinned[vm][d.Vcpu.Value]}\n{g}");
            }
        }

        foreach (var e in result.VmExits)
        {
            if (pinned[e.Vm][e.Vcpu] != e.Cpu)
            {
                throw new XunitException($"VM exit {e.Reason} (seq {e.Seq}) of {e.Vm} vCPU {e.Vcpu} on CPU {e.Cpu}, pinned to {pinned[e.Vm][e.Vcpu]}\n{g}");
            }
        }
    }

    /// <summary>
    /// docs/cli.md (trace): tracing does not change the run. The same run with a Chrome and an ftrace writer attached
    /// (writing nowhere) gives the same result JSON, <c>stats.events</c> included (the dispatch log is left out: the
    /// trace command runs with no log).
    /// </summary>
    private static void CheckTracingChangesNothing(Scenario scenario, RunResult plain, GeneratedScenario g)
    {
        // The writers are closed only after the run ends: a run that outlives the timeout keeps writing to them, and
        // closing them under it would throw from the writer and hide the timeout's report.
        var chrome = new ChromeTraceWriter(Stream.Null, scenario.Machine.Cpus, scenario.Name);
        var ftrace = new FtraceWriter(TextWriter.Null, scenario.Machine.Cpus);
        var task = Task.Run(() => Simulator.Run(scenario, new SimulationOptions { LogLimit = 100, MaxEntriesPerInstant = StormBound, Sinks = [chrome, ftrace] }));
        if (!task.Wait(Fuzz.RunTimeout))
        {
            throw new XunitException($"Simulator.Run with trace sinks did not finish in {Fuzz.RunTimeout.TotalSeconds}s\n{g}");
        }

        chrome.Dispose();
        ftrace.Dispose();

        var a = Fuzz.JsonWithoutWallMs(plain);
        var b = Fuzz.JsonWithoutWallMs(task.Result);
        if (a != b)
        {
            throw new XunitException($"tracing changed the run:\nwithout: {a}\nwith:    {b}\n{g}");
        }
    }
}
