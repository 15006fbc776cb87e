using IrqLab.Hardware;
using IrqLab.Scenarios;
using IrqLab.Scenarios.Model;
using IrqLab.Vectors;
using Xunit;

namespace IrqLab.Tests.Scenarios;

/// <summary>Valid scenarios load into the expected model (SCENARIOS.md §1-§9).</summary>
public sealed class ScenarioLoaderTests
{
    private static Scenario LoadValid(string name) => ScenarioLoader.Load(Path.Combine(ScenarioTestData.ValidDirectory, name));

    private static Scenario Yaml(string body) => ScenarioLoader.Parse("irqlab: 1\nname: t\n" + body, "t.yaml");

    public static TheoryData<string> ValidFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(ScenarioTestData.ValidDirectory).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ValidFiles))]
    public void Every_sample_in_valid_loads(string file)
    {
        var scenario = LoadValid(file);
        Assert.False(string.IsNullOrEmpty(scenario.Name));
        Assert.EndsWith(file, scenario.File, StringComparison.Ordinal);
    }

    [Fact]
    public void Valid_samples_use_every_step_kind_and_expect_form_section_7()
    {
        var steps = Directory.GetFiles(ScenarioTestData.ValidDirectory).Select(ScenarioLoader.Load)
            .SelectMany(s => s.Steps.Concat(s.Handlers.SelectMany(h => h.Do)).Concat(s.Vms.SelectMany(v => v.Handlers).SelectMany(h => h.Do)))
            .Select(s => s.GetType()).ToHashSet();
        Type[] all =
        [
            typeof(AdvanceStep), typeof(WriteStep), typeof(ReadStep), typeof(DeviceStep), typeof(IpiStep), typeof(NmiStep),
            typeof(ExceptionStep), typeof(InterruptFlagStep), typeof(InstallStep), typeof(VmStep), typeof(EoiStep),
            typeof(ExpectReadStep), typeof(ExpectRegisterStep), typeof(ExpectRowStep), typeof(ExpectHandlersStep),
            typeof(ExpectMessageStep), typeof(ExpectFaultStep),
        ];
        Assert.Subset(steps, all.ToHashSet());
    }

    [Fact]
    public void Full_linux_scenario_loads_into_the_expected_model()
    {
        var s = LoadValid("linux-full.yaml");
        Assert.Equal("linux-full", s.Name);
        Assert.Equal("a 4-CPU server with a disk, a NIC, an MSI device and a guest", s.Description);
        Assert.Equal(42UL, s.Seed);
        Assert.Equal(10_000_000L, s.RunUntilNs);

        // §3: unquoted 6.10 is "6.10"; config overrides applied over the defaults.
        Assert.Equal(KernelMode.Linux, s.Kernel.Mode);
        Assert.Equal(KernelVersion.V6_10, s.Kernel.Version);
        Assert.Equal(DeliveryKind.Fred, s.Kernel.Delivery);
        Assert.True(s.Kernel.Cfi);
        Assert.True(s.Kernel.IsEnabled("HYPERV"));
        Assert.False(s.Kernel.IsEnabled("X86_THERMAL_VECTOR"));
        Assert.True(s.Kernel.IsEnabled("IRQ_WORK"));
        Assert.False(s.Kernel.IsEnabled("XEN_PVHVM"));
        Assert.Equal(KconfigDefaults.All.Count(), s.Kernel.Config.Count);

        // §4
        Assert.Equal(4, s.Machine.Cpus);
        Assert.Equal(ApicMode.XApic, s.Machine.Apic);
        Assert.Equal(25_000_000L, s.Machine.ApicTimerHz);
        Assert.Equal(2_400_000_000L, s.Machine.TscHz);
        Assert.Equal([(8, 24), (9, 32)], s.Machine.IoApics.Select(i => (i.Id, i.Pins)));
        Assert.True(s.Machine.Pic);
        Assert.True(s.Machine.NmiWatchdog);

        // §5, in declaration order
        Assert.Equal(["ata0", "eth0", "nvme0", "snd0", "usb0", "kbd"], s.Devices.Select(d => d.Name));
        var ata = s.Devices[0];
        Assert.Equal(0, ata.Line!.IoApic);
        Assert.Equal(14, ata.Line.Pin);
        Assert.Equal(TriggerMode.Edge, ata.Line.Trigger);
        Assert.Equal(2000L, ata.Handler.CostNs);
        Assert.Equal(new SourceMark(25, 5), ata.Mark);
        Assert.Equal(4, s.Devices[1].Msix!.Vectors);
        Assert.Equal([0, 1, 2, 3], s.Devices[1].Msix!.Affinity);
        Assert.Equal(2, s.Devices[2].Msi!.Vectors);
        Assert.Equal(HandlerReturn.WakeThread, s.Devices[2].Handler.Returns);
        Assert.Equal(500L, s.Devices[2].Handler.CostNs);
        var snd = s.Devices[3];
        Assert.True(snd.Shared);
        Assert.Equal((1, 20, TriggerMode.Level, Polarity.Low), (snd.Line!.IoApic!.Value, snd.Line.Pin, snd.Line.Trigger, snd.Line.Polarity));
        Assert.Equal(HandlerReturn.None, snd.Handler.Returns);
        Assert.Equal(1, s.Devices[5].Line!.Isa);
        Assert.Null(s.Devices[5].Line!.IoApic);

        // §9
        var vm = Assert.Single(s.Vms);
        Assert.Equal([1, 2], vm.VcpuCpus);
        Assert.False(vm.AckInterruptOnExit);
        Assert.Equal(ReinjectKind.Idt, vm.Reinject);
        Assert.True(vm.VirtualNmis);
        Assert.False(vm.PostedInterrupts);
        Assert.False(vm.Apicv);
        Assert.Equal(0x30, Assert.Single(vm.Handlers).Vector);

        // §8
        Assert.Equal(new DeviceWorkload("eth0", 200_000, ArrivalPattern.Poisson, 0, 0) { Mark = new SourceMark(54, 5) }, s.Workload[0]);
        Assert.Equal(5000.0, ((DeviceWorkload)s.Workload[1]).RatePerSecond);
        Assert.Equal(ArrivalPattern.Periodic, ((DeviceWorkload)s.Workload[1]).Pattern);
        var burst = (DeviceWorkload)s.Workload[2];
        Assert.Equal((ArrivalPattern.Burst, 64, 1_000_000L, 64_000.0), (burst.Pattern, burst.BurstCount, burst.BurstEveryNs, burst.RatePerSecond));
        Assert.Equal(1000, ((TimerWorkload)s.Workload[3]).Hz);
        Assert.Equal(new IpiWorkload(50_000, 0xfd) { Mark = s.Workload[4].Mark }, s.Workload[4]);

        // §7
        var st = s.Steps;
        Assert.Equal(10_000L, ((AdvanceStep)st[0]).DurationNs);
        var tpr = (WriteStep)st[1];
        Assert.Equal((RegisterKind.Named, (int?)0, "apic.tpr", 0x20UL), (tpr.Target.Kind, tpr.Target.Cpu, tpr.Target.Name, tpr.Value));
        Assert.Equal((RegisterKind.Mmio, 0xFEE00080UL), (((WriteStep)st[2]).Target.Kind, ((WriteStep)st[2]).Target.Address));
        Assert.Equal((RegisterKind.Port, 0x21UL, (int?)null, 0xFBUL), (((WriteStep)st[3]).Target.Kind, ((WriteStep)st[3]).Target.Address, ((WriteStep)st[3]).Target.Cpu, ((WriteStep)st[3]).Value));
        var redir = (WriteStep)st[4];
        Assert.Equal((RegisterKind.IoApic, 0, "redir.14", 0x8031UL), (redir.Target.Kind, redir.Target.IoApic, redir.Target.Name, redir.Value));
        Assert.Equal("isr_after", ((ReadStep)st[5]).As);
        Assert.Equal(new SourceMark(65, 5), st[5].Mark);
        Assert.Equal(("version", 1), (((ReadStep)st[7]).Target.Name, ((ReadStep)st[7]).Target.IoApic));
        Assert.Equal(new DeviceStep(LineOp.Raise, "eth0", 0) { Mark = st[8].Mark }, st[8]);
        Assert.Equal(new DeviceStep(LineOp.Raise, "eth0", 2) { Mark = st[9].Mark }, st[9]);
        Assert.Equal(LineOp.Lower, ((DeviceStep)st[10]).Op);
        Assert.Equal(LineOp.Pulse, ((DeviceStep)st[11]).Op);
        Assert.Equal(new IpiStep(0, IpiTargetKind.Cpu, 2, 0x40, DeliveryMode.Fixed) { Mark = st[12].Mark }, st[12]);
        Assert.Equal(new IpiStep(1, IpiTargetKind.Self, 0, 0xfc, DeliveryMode.Fixed) { Mark = st[13].Mark }, st[13]);
        Assert.Equal(new IpiStep(0, IpiTargetKind.AllButSelf, 0, 0, DeliveryMode.Nmi) { Mark = st[14].Mark }, st[14]);
        Assert.Equal(new IpiStep(0, IpiTargetKind.Logical, 3, 0x41, DeliveryMode.LowestPriority) { Mark = st[15].Mark }, st[15]);
        Assert.Equal(new IpiStep(0, IpiTargetKind.Physical, 0xFF, 0, DeliveryMode.Init) { Mark = st[16].Mark }, st[16]);
        Assert.Equal(new IpiStep(3, IpiTargetKind.All, 0, 0x9A, DeliveryMode.StartUp) { Mark = st[17].Mark }, st[17]);
        Assert.Equal(1, ((NmiStep)st[18]).Cpu);
        Assert.Equal(new ExceptionStep(0, 14, 2, 0x1000) { Mark = st[19].Mark }, st[19]);
        Assert.Equal(new InterruptFlagStep(false, 0) { Mark = st[20].Mark }, st[20]);
        Assert.Equal(new InterruptFlagStep(true, 0) { Mark = st[21].Mark }, st[21]);
        Assert.Equal(new InstallStep(0xF3, "sysvec_hyperv_callback") { Mark = st[22].Mark }, st[22]);
        Assert.Equal(new VmStep(VmOp.Enter, "g0", 1, null, null, null) { Mark = st[23].Mark }, st[23]);
        Assert.Equal(new VmStep(VmOp.Inject, "g0", 0, "hw_exc", 13, 0) { Mark = st[24].Mark }, st[24]);
        Assert.Equal(new VmStep(VmOp.Inject, "g0", 0, "nmi", 2, null) { Mark = st[25].Mark }, st[25]);
        Assert.Equal(new VmStep(VmOp.Post, "g0", 1, null, 0x31, null) { Mark = st[26].Mark }, st[26]);
        Assert.Equal(VmOp.Exit, ((VmStep)st[27]).Op);
        Assert.Equal([65UL], ((ExpectReadStep)st[28]).EqualsValue.List!);
        Assert.Equal(0UL, ((ExpectReadStep)st[29]).EqualsValue.Scalar);
        Assert.Equal(("apic.ppr", 0x40UL), (((ExpectRegisterStep)st[30]).Target.Name, ((ExpectRegisterStep)st[30]).EqualsValue.Scalar!.Value));
        Assert.Empty(((ExpectRegisterStep)st[31]).EqualsValue.List!);
        Assert.Equal(new ExpectRowStep("LOC", 0, 10, null, null) { Mark = st[32].Mark }, st[32]);
        Assert.Equal(new ExpectRowStep("14", 1, null, 1, 5) { Mark = st[33].Mark }, st[33]);
        Assert.Equal(["sysvec_apic_timer_interrupt", "common_interrupt"], ((ExpectHandlersStep)st[34]).Handlers);
        Assert.Equal("nobody cared", ((ExpectMessageStep)st[35]).Text);
        Assert.Equal(new ExpectFaultStep("triple_fault", 0) { Mark = st[36].Mark }, st[36]);
        Assert.Equal(new ExpectFaultStep("cfi_failure", null) { Mark = st[37].Mark }, st[37]);
        Assert.Equal(38, st.Count);
    }

    [Fact]
    public void Bare_handlers_keep_their_actions_in_order_section_6()
    {
        var s = LoadValid("bare-handlers.yaml");
        Assert.Equal(KernelMode.Bare, s.Kernel.Mode);
        Assert.Equal(KernelVersion.V6_1, s.Kernel.Version);
        Assert.Equal((0xFEE00000UL, 0x41U), (s.Devices[0].Msi!.Address!.Value, s.Devices[0].Msi!.Data!.Value));
        Assert.Equal([0x40, 0x41, 0x42, 0x02], s.Handlers.Select(h => h.Vector));
        var actions = s.Handlers[1].Do;
        Assert.Equal(new InterruptFlagStep(true, null) { Mark = actions[0].Mark }, actions[0]);
        Assert.Equal(new IpiStep(null, IpiTargetKind.Self, 0, 0x42, DeliveryMode.Fixed) { Mark = actions[1].Mark }, actions[1]);
        Assert.Equal(1000L, ((AdvanceStep)actions[2]).DurationNs);
        Assert.Null(((WriteStep)actions[3]).Target.Cpu);
        Assert.Null(((ReadStep)actions[4]).Target.Cpu);
        Assert.Equal([LineOp.Raise, LineOp.Pulse, LineOp.Lower], actions.Skip(5).Take(3).Select(a => ((DeviceStep)a).Op));
        Assert.Equal(new InterruptFlagStep(false, null) { Mark = actions[8].Mark }, actions[8]);
        Assert.IsType<EoiStep>(actions[9]);
        Assert.Empty(s.Handlers[3].Do);
        Assert.Equal(1000L, ((AdvanceStep)s.Steps[3]).DurationNs);
        Assert.Null(s.RunUntilNs);
    }

    [Fact]
    public void X2apic_sample_keeps_64_bit_values_and_wide_destinations_SDM_11_12()
    {
        var s = LoadValid("x2apic-msr.yaml");
        Assert.Equal(ulong.MaxValue, s.Seed);
        Assert.Equal(300, s.Machine.Cpus);
        Assert.False(s.Machine.Pic);
        Assert.Equal(0x0000012300000041UL, ((WriteStep)s.Steps[1]).Value);
        Assert.Equal(0xFFFFFFFF00000041UL, ((WriteStep)s.Steps[2]).Value);
        Assert.Equal("redir.119", ((WriteStep)s.Steps[5]).Target.Name);
        Assert.Equal(0x12CU, ((IpiStep)s.Steps[9]).Destination);
        Assert.Equal(0x00010001U, ((IpiStep)s.Steps[10]).Destination);
        Assert.Equal(0xEC, ((IpiStep)s.Steps[11]).Vector);
        Assert.Equal(DeliveryMode.Smi, ((IpiStep)s.Steps[12]).Mode);
        Assert.Equal(500_000L, ((AdvanceStep)s.Steps[15]).DurationNs);
        Assert.Equal(1_000_000_000L, s.RunUntilNs);
    }

    [Fact]
    public void Json_sample_has_the_same_meaning_as_yaml_section_1()
    {
        var s = LoadValid("linux-full.json");
        Assert.Equal(KernelVersion.V6_10, s.Kernel.Version);
        Assert.False(s.Kernel.IsEnabled("IRQ_WORK"));
        Assert.Equal(ApicMode.X2Apic, s.Machine.Apic);
        Assert.Equal(2000L, s.Devices[0].Handler.CostNs);
        Assert.Equal((RegisterKind.Msr, 0x808UL, 0x20UL), (((WriteStep)s.Steps[0]).Target.Kind, ((WriteStep)s.Steps[0]).Target.Address, ((WriteStep)s.Steps[0]).Value));
        Assert.Equal(0xFD, ((IpiStep)s.Steps[2]).Vector);
        Assert.Equal(1500L, ((AdvanceStep)s.Steps[3]).DurationNs);
        Assert.Equal(new SourceMark(13, 5), s.Steps[0].Mark);
    }

    [Theory]
    [InlineData("6.10", KernelVersion.V6_10)]
    [InlineData("\"6.10\"", KernelVersion.V6_10)]
    [InlineData("6.1", KernelVersion.V6_1)]
    [InlineData("'6.6'", KernelVersion.V6_6)]
    [InlineData("6.9", KernelVersion.V6_9)]
    [InlineData("latest", KernelVersion.Latest)]
    public void Kernel_version_uses_the_raw_scalar_text_section_3(string written, KernelVersion expected)
    {
        Assert.Equal(expected, Yaml($"kernel: {{version: {written}}}\n").Kernel.Version);
    }

    [Fact]
    public void Kernel_version_6_10_unquoted_in_json_is_6_10()
    {
        var s = ScenarioLoader.Parse("{\"irqlab\": 1, \"name\": \"t\", \"kernel\": {\"version\": 6.10}}", "t.json");
        Assert.Equal(KernelVersion.V6_10, s.Kernel.Version);
    }

    [Theory]
    [InlineData("\"6.9\"", "mainline")]
    [InlineData("\"6.1\"", "rfc-2022")]
    [InlineData("latest", "mainline")]
    public void Fred_is_allowed_from_6_9_or_with_the_rfc_variant_section_3(string version, string variant)
    {
        var s = Yaml($"kernel: {{version: {version}, variant: {variant}, delivery: fred}}\n");
        Assert.Equal(DeliveryKind.Fred, s.Kernel.Delivery);
    }

    [Theory]
    [InlineData("10", 10L)]
    [InlineData("0x10", 16L)]
    [InlineData("2.5us", 2_500L)]
    [InlineData("\"2.5us\"", 2_500L)]
    [InlineData("'7 ns'", 7L)]
    [InlineData("1s", 1_000_000_000L)]
    [InlineData("0.000000001s", 1L)]
    [InlineData("1.5ms", 1_500_000L)]
    [InlineData("0us", 0L)]
    [InlineData("9223372036854775807", long.MaxValue)]
    [InlineData("+10", 10L)]
    // A decimal is a decimal however many zeros end its fraction: this is exactly 1 ms (it was a type error past 30 decimals).
    [InlineData("1.000000000000000000000000000000000ms", 1_000_000L)]
    [InlineData("2.50000000000000000000000000000000000000000000us", 2_500L)]
    [InlineData("0.000000001000000000000000000000000000000s", 1L)]
    [InlineData(".0us", 0L)]
    [InlineData("5.us", 5_000L)]
    public void Durations_with_units_or_integer_ns_section_1(string written, long ns)
    {
        Assert.Equal(ns, Yaml($"run: {{until: {written}}}\n").RunUntilNs);
    }

    [Theory]
    [InlineData("200000/s", 200_000.0)]
    [InlineData("5/ms", 5_000.0)]
    [InlineData("0.5/s", 0.5)]
    [InlineData("\"1.25 / ms\"", 1_250.0)]
    [InlineData("1.2500000000000000000000000000000000/s", 1.25)]
    public void Rates_per_second_or_millisecond_section_1(string written, double perSecond)
    {
        var s = Yaml($"devices: [{{name: d, line: {{pin: 1}}}}]\nworkload: [{{device: d, rate: {written}}}]\n");
        Assert.Equal(perSecond, ((DeviceWorkload)s.Workload[0]).RatePerSecond);
        Assert.Equal(ArrivalPattern.Poisson, ((DeviceWorkload)s.Workload[0]).Pattern);
    }

    [Theory]
    [InlineData("0x40", 0x40)]
    [InlineData("0XfF", 0xFF)]
    [InlineData("\"0x41\"", 0x41)]
    [InlineData("64", 64)]
    [InlineData("NMI_VECTOR", 2)]
    [InlineData("LOCAL_TIMER_VECTOR", 0xEC)]
    [InlineData("POSTED_MSI_NOTIFICATION_VECTOR", 0xEB)]
    [InlineData("+64", 64)]
    public void Vectors_as_hex_decimal_or_constant_names_section_7(string written, int vector)
    {
        var s = Yaml($"kernel: {{version: \"6.10\"}}\nsteps: [{{ipi: {{from: 0, to: self, vector: {written}}}}}]\n");
        Assert.Equal(vector, ((IpiStep)s.Steps[0]).Vector);
    }

    /// <summary>
    /// The 16..255 bound of <c>post</c> (SDM Vol. 3A 11.5.2) is not applied to <c>inject</c>: an injected hardware exception
    /// has a vector 0..31 and an injected external interrupt may use any vector (SDM Vol. 3C VM-entry checks on the
    /// event-injection field, x86-events.md §8.6); post still takes 16 and up.
    /// </summary>
    [Theory]
    [InlineData("{op: inject, vm: g, type: hw_exc, vector: 0}", 0)]
    [InlineData("{op: inject, vm: g, type: hw_exc, vector: 14, error_code: 2}", 14)]
    [InlineData("{op: inject, vm: g, type: ext_int, vector: 5}", 5)]
    [InlineData("{op: inject, vm: g, type: nmi}", 2)]
    [InlineData("{op: post, vm: g, vector: 16}", 16)]
    [InlineData("{op: post, vm: g, vector: 0xFF}", 0xFF)]
    public void Inject_takes_exception_vectors_and_post_takes_16_to_255_SDM_11_5_2(string step, int vector)
    {
        var s = Yaml($"vms: [{{name: g, vcpus: [{{cpu: 0}}]}}]\nsteps: [{{vm: {step}}}]\n");
        Assert.Equal(vector, ((VmStep)s.Steps[0]).Vector);
    }

    /// <summary>
    /// Linux-mode VMs are KVM's, and KVM "depends on HAVE_KVM && HIGH_RES_TIMERS && X86_LOCAL_APIC"
    /// (arch/x86/kvm/Kconfig), so those options off with <c>vms:</c> are a conflict (Data/Scenarios/errors.txt). A bare-mode
    /// scenario has no Linux and acts as the VMM itself, so its VMs load whatever the (unused) Kconfig says, and a linux
    /// scenario without VMs may turn KVM off.
    /// </summary>
    [Theory]
    [InlineData("{mode: bare, config: {HAVE_KVM: false, X86_LOCAL_APIC: false}}", "vms: [{name: g, vcpus: [{cpu: 0}]}]\n", 1)]
    [InlineData("{mode: linux, config: {HAVE_KVM: false, X86_LOCAL_APIC: false}}", "", 0)]
    [InlineData("{mode: linux, config: {HAVE_KVM: true, X86_LOCAL_APIC: true}}", "vms: [{name: g, vcpus: [{cpu: 0}]}]\n", 1)]
    public void Vms_need_kvm_only_in_linux_mode_arch_x86_kvm_Kconfig(string kernel, string vms, int count)
    {
        var s = Yaml($"kernel: {kernel}\n{vms}");
        Assert.Equal(count, s.Vms.Count);
    }

    /// <summary>
    /// SCENARIOS.md §1: the file is YAML 1.2, whose core schema (YAML 1.2.2 §10.3.2) resolves a plain
    /// <c>true|True|TRUE|false|False|FALSE</c> to a boolean (as the loader already read <c>Null</c>/<c>NULL</c> as null) and
    /// <c>[-+]?[0-9]+</c> to a decimal integer. <c>pic: False</c> was a type error, <c>cpus: +4</c> too.
    /// </summary>
    [Theory]
    [InlineData("True", "FALSE", "+4", true, false, 4)]
    [InlineData("TRUE", "False", "+0004", true, false, 4)]
    [InlineData("false", "true", "+1", false, true, 1)]
    public void Booleans_and_signed_decimals_follow_the_yaml_1_2_core_schema_section_1(
        string pic, string watchdog, string cpus, bool expectedPic, bool expectedWatchdog, int expectedCpus)
    {
        var s = Yaml($"machine: {{pic: {pic}, nmi_watchdog: {watchdog}, cpus: {cpus}}}\nkernel: {{cfi: {watchdog}}}\n");
        Assert.Equal(expectedPic, s.Machine.Pic);
        Assert.Equal(expectedWatchdog, s.Machine.NmiWatchdog);
        Assert.Equal(expectedWatchdog, s.Kernel.Cfi);
        Assert.Equal(expectedCpus, s.Machine.Cpus);
    }

    /// <summary>
    /// A machine section without <c>cpus</c> gets the same one CPU as a scenario without a machine section
    /// (<see cref="Defaults_apply_when_sections_are_absent_section_2"/>): the default is per key, not per section.
    /// </summary>
    [Theory]
    [InlineData("machine: {pic: false}\n")]
    [InlineData("machine: {apic_timer_hz: 1000000}\n")]
    public void Cpus_defaults_to_1_when_the_machine_section_leaves_it_out_section_4(string body) =>
        Assert.Equal(1, Yaml(body).Machine.Cpus);

    [Fact]
    public void Defaults_apply_when_sections_are_absent_section_2()
    {
        var s = Yaml(string.Empty);
        Assert.Equal(1UL, s.Seed);
        Assert.Equal(KernelVersion.Latest, s.Kernel.Version);
        Assert.Equal(KernelMode.Linux, s.Kernel.Mode);
        Assert.Equal(DeliveryKind.Idt, s.Kernel.Delivery);
        Assert.All(KconfigDefaults.DefaultOn, o => Assert.True(s.Kernel.IsEnabled(o)));
        Assert.All(KconfigDefaults.DefaultOff, o => Assert.False(s.Kernel.IsEnabled(o)));
        Assert.Equal(1, s.Machine.Cpus);
        Assert.Equal((0, 24), (s.Machine.IoApics.Single().Id, s.Machine.IoApics.Single().Pins));
        Assert.True(s.Machine.Pic);
        Assert.Empty(s.Steps);
        Assert.Null(s.RunUntilNs);
    }

    /// <summary>
    /// SCENARIOS.md §4 writes <c>ioapics: [{id: 0, pins: 24}]</c> without making <c>id</c> required, and
    /// docs/kernel.md uses <c>ioapics: [{pins: 24}, {pins: 8}]</c>: an entry without an id takes the lowest IOAPIC ID
    /// (IOAPICID bits 27:24) no entry names. Before, a missing id was a <c>missing_key</c> error.
    /// </summary>
    [Theory]
    [InlineData("[{pins: 24}, {pins: 8}]", "0:24 1:8")]
    [InlineData("[{pins: 8}]", "0:8")]
    [InlineData("[{}]", "0:24")]
    [InlineData("[{pins: 24}, {id: 0, pins: 8}, {pins: 4}]", "1:24 0:8 2:4")]
    [InlineData("[{id: 3, pins: 24}, {pins: 8}]", "3:24 0:8")]
    public void Ioapic_id_defaults_to_the_lowest_free_id_section_4(string ioApics, string expected)
    {
        var s = Yaml($"machine: {{ioapics: {ioApics}}}\n");
        Assert.Equal(expected, string.Join(' ', s.Machine.IoApics.Select(i => $"{i.Id}:{i.Pins}")));
    }

    [Fact]
    public void Ioapics_without_ids_run_out_after_the_16_ids_of_the_4_bit_field()
    {
        var e = Assert.Throws<ScenarioException>(() => Yaml($"machine: {{ioapics: [{string.Join(", ", Enumerable.Repeat("{pins: 1}", 17))}]}}\n"));
        Assert.Equal(ErrorCodes.Range, e.Code);
        Assert.Contains("machine.ioapics[16] has no id", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(255, ApicMode.XApic)]
    [InlineData(256, ApicMode.X2Apic)]
    [InlineData(4096, ApicMode.X2Apic)]
    public void Apic_mode_defaults_to_x2apic_when_ids_do_not_fit_8_bits_SDM_11_12_8(int cpus, ApicMode mode)
    {
        Assert.Equal(mode, Yaml($"machine: {{cpus: {cpus}}}\n").Machine.Apic);
    }

    [Theory]
    [InlineData("idle", null)]
    [InlineData("1ms", 1_000_000L)]
    public void Run_until_idle_is_the_default_spelled_out_section_2(string until, long? ns)
    {
        Assert.Equal(ns, Yaml($"run: {{until: {until}}}\n").RunUntilNs);
    }

    [Fact]
    public void Writing_IA32_APIC_BASE_EXTD_makes_x2apic_registers_reachable_SDM_11_12_1()
    {
        var s = LoadValid("xapic-switch.yaml");
        Assert.Equal(ApicMode.XApic, s.Machine.Apic);
        Assert.Equal(0x80BUL, ((WriteStep)s.Steps[1]).Target.Address);
        Assert.Empty(s.Machine.IoApics);
        Assert.Equal(DeliveryKind.Fred, s.Kernel.Delivery);
        Assert.False(s.Kernel.IsEnabled("SMP"));
    }

    [Fact]
    public void Yaml_anchors_and_aliases_are_expanded()
    {
        var s = Yaml("devices:\n  - {name: a, line: &lvl {pin: 16, trigger: level}, shared: true}\n  - {name: b, line: *lvl, shared: true}\n");
        Assert.Equal(16, s.Devices[1].Line!.Pin);
        Assert.Equal(TriggerMode.Level, s.Devices[1].Line!.Trigger);
    }

    /// <summary>
    /// SCENARIOS.md §6: bare handler names are <c>vector_0x</c> plus two lowercase hex digits, so an expect that writes the
    /// hex in uppercase names the same handler; names of any other form are compared exactly.
    /// </summary>
    [Theory]
    [InlineData("vector_0x4F", "vector_0x4f")]
    [InlineData("VECTOR_0X4f", "vector_0x4f")]
    [InlineData("vector_0x4f", "vector_0x4f")]
    [InlineData("vector_0x4G", "vector_0x4G")]
    [InlineData("vector_0x4F0", "vector_0x4F0")]
    [InlineData("Sysvec_apic_timer_interrupt", "Sysvec_apic_timer_interrupt")]
    public void Expect_handlers_reads_bare_names_with_lowercase_hex_section_6(string written, string read)
    {
        var s = Yaml($"kernel: {{mode: bare}}\nsteps: [{{expect: {{handlers: [{written}]}}}}]\n");
        Assert.Equal([read], ((ExpectHandlersStep)s.Steps[0]).Handlers);
    }
}
