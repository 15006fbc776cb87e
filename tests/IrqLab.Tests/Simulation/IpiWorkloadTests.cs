using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// The IPI workload of SCENARIOS.md §8 (<c>{ipis: {rate, vector}}</c>) sends IPIs as the kernel's
/// <c>apic->send_IPI()</c> does: <c>__prepare_ICR()</c> (arch/x86/kernel/apic/local.h) writes a fixed IPI of the
/// vector, except NMI_VECTOR, which goes out in NMI delivery mode. Each IPI is counted in its vector's
/// /proc/interrupts row on the receiver. NMI_VECTOR was sent as a fixed IPI of the illegal vector 2: an APIC error
/// on sender and receiver (ERR) and no NMI.
/// </summary>
public sealed class IpiWorkloadTests
{
    private static IrqLab.Simulation.Output.RunResult Run(string vector) => Sim.Run($$$"""
        irqlab: 1
        name: ipis
        machine: {cpus: 2}
        workload:
          - {ipis: {rate: 1000/s, vector: {{{vector}}}}}
        run: {until: 10ms}
        """);

    public static TheoryData<string, string, string> Rows => new()
    {
        // vector as written, the row it counts in, the handler (SCENARIOS.md §10 dispatch[].handler)
        { "RESCHEDULE_VECTOR", "RES", "sysvec_reschedule_ipi" },
        { "CALL_FUNCTION_VECTOR", "CAL", "sysvec_call_function" },
        { "IRQ_WORK_VECTOR", "IWI", "sysvec_irq_work" },
        { "NMI_VECTOR", "NMI", "exc_nmi" },
        { "2", "NMI", "exc_nmi" },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Each_ipi_is_counted_in_its_vectors_row_on_the_receiver(string vector, string row, string handler)
    {
        var r = Run(vector);

        Assert.True(r.Stats.Handlers > 0, Sim.Describe(r));
        Assert.All(r.Dispatch, d => Assert.Equal(handler, d.Handler));
        Assert.Equal((ulong)r.Stats.Handlers, Sim.Count(r, row, 0) + Sim.Count(r, row, 1));
        Assert.Equal(0UL, Sim.Count(r, "ERR", 0) + Sim.Count(r, "ERR", 1));
        Assert.Equal(0L, r.Stats.Dropped);
        Assert.Null(Sim.Unconserved(r));
    }

    public static TheoryData<string, string, string, ulong> IcrCases => new()
    {
        // kernel version, machine.apic, vector, the ICR of CPU c's IPI to the other CPU with c's number replaced by
        // "other" below: (destination << shift) | low dword, as __prepare_ICR() and the APIC driver write it.
        // latest: physflat, xAPIC ICR2 bits 31:24 = APIC ID (__default_send_IPI_dest_field), physical.
        { "latest", "xapic", "RESCHEDULE_VECTOR", 0x0000_00FDUL },
        // 6.10 with 2 CPUs: the flat driver, logical (APIC_DEST_LOGICAL, bit 11) with destination 1 << cpu.
        { "6.10", "xapic", "CALL_FUNCTION_VECTOR", 0x0000_08FCUL },
        // x2APIC: x2apic_phys, native_x2apic_icr_write(low, apicid) puts the APIC ID in bits 63:32.
        { "latest", "x2apic", "RESCHEDULE_VECTOR", 0x0000_00FDUL },
        // NMI_VECTOR: APIC_DM_NMI (0x400) and no vector.
        { "latest", "x2apic", "NMI_VECTOR", 0x0000_0400UL },
    };

    /// <summary>
    /// The sender's ICR holds what the kernel wrote: <c>__prepare_ICR()</c> (arch/x86/kernel/apic/local.h) ORs the
    /// shorthand, the destination mode and <c>APIC_DM_FIXED | vector</c> (or <c>APIC_DM_NMI</c>), and no level bit
    /// (bit 14, APIC_INT_ASSERT). The workload set bit 14, so a read of <c>apic.icr</c> after it showed 0x40FD where
    /// Linux leaves 0xFD. The ICR is read/write in both modes (SDM Vol. 3A Figure 11-12, §11.12.9).
    /// </summary>
    [Theory]
    [MemberData(nameof(IcrCases))]
    public void The_senders_icr_reads_back_as_the_kernel_wrote_it(string version, string apic, string vector, ulong low)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: ipi-icr
            kernel: {version: "{{{version}}}"}
            machine: {cpus: 2, apic: {{{apic}}}}
            workload:
              - {ipis: {rate: 1000/s, vector: {{{vector}}}}}
            steps:
              - {advance: 20ms}
              - {read: {cpu: 0, reg: apic.icr, as: icr0}}
              - {read: {cpu: 1, reg: apic.icr, as: icr1}}
            run: {until: 20ms}
            """);

        var logicalFlat = (low & 0x800) != 0;
        for (var cpu = 0; cpu < 2; cpu++)
        {
            var other = (ulong)(1 - cpu);
            var destination = apic == "x2apic" ? other << 32 : (logicalFlat ? 1UL << (int)other : other) << 56;
            Assert.Equal(destination | low, Sim.Read(r, $"icr{cpu}").Scalar);
        }
    }

    /// <summary>
    /// A CPU that triple-faulted is shut down and executes nothing (SDM Vol. 3A §6.15, interrupt 8), so it sends no IPI:
    /// with CPU 1 shut down at t=0, CPU 0 takes no IPI from the workload. CPU 1 went on writing its ICR and CPU 0 took
    /// about half the IPIs of the run.
    /// </summary>
    [Fact]
    public void A_cpu_shut_down_by_a_triple_fault_sends_no_ipi()
    {
        var r = Sim.Run("""
            irqlab: 1
            name: shutdown-sender
            kernel: {mode: bare}
            machine: {cpus: 2}
            handlers:
              - {vector: 0x40, do: [eoi]}
            workload:
              - {ipis: {rate: 1000/s, vector: 0x40}}
            steps:
              - {exception: {cpu: 1, vector: 13, error_code: 0}}
            run: {until: 100ms}
            """);

        Assert.Equal("triple_fault", Assert.Single(r.Faults).Kind);
        Assert.Empty(r.Dispatch);

        // What CPU 0 sent waits in CPU 1's IRR: one vector, the rest merged into it.
        Assert.True(r.Stats.Raised > 10, Sim.Describe(r));
        Assert.Equal(1L, r.Stats.Pending);
        Assert.Null(Sim.Unconserved(r));
    }

    /// <summary>
    /// A CPU halted for good by <c>stop_this_cpu()</c> (sysvec_reboot: IF = 0, <c>for (;;) native_halt()</c>,
    /// arch/x86/kernel/process.c) runs no kernel code, so it sends no IPI either: with REBOOT_VECTOR IPIs between two
    /// CPUs, the first CPU stopped can never stop the other. It went on sending, and both CPUs ended stopped.
    /// </summary>
    [Fact]
    public void A_cpu_stopped_by_reboot_vector_sends_no_ipi()
    {
        var r = Run("REBOOT_VECTOR");

        var stopped = Assert.Single(r.Dispatch);
        Assert.Equal("sysvec_reboot", stopped.Handler);
        Assert.Null(Sim.Unconserved(r));
    }
}
