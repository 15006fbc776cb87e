using System.Globalization;
using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// The device vectors a run's <c>dispatch[].vector</c> shows, end to end from a scenario (SCENARIOS.md §5, §10), against
/// kernel/irq/matrix.c irq_matrix_alloc() (online CPU of the mask with the most available vectors, ties to the lowest;
/// then the lowest bit clear in managed_map | system_map | alloc_map from alloc_start = FIRST_EXTERNAL_VECTOR 0x20) and
/// the system bits lapic_assign_system_vectors() puts in [0x20, FIRST_SYSTEM_VECTOR): IRQ_MOVE_CLEANUP_VECTOR 0x20
/// (6.1 with SMP, apic_idts[]), the int80 gate 0x80 (IDT delivery with IA32_EMULATION, def_idts[]; not with FRED, whose
/// fred_complete_exception_setup() sets only 0-31 and the filled system slots) and the PIC cascade ISA_IRQ_VECTOR(2)
/// 0x32. With an IO-APIC the other ISA vectors 0x30-0x3f are free (vector_configure_legacy() releases them).
/// </summary>
public sealed class DeviceVectorAllocationTests
{
    [Theory]
    [InlineData("6.1", "idt", true, 0x21)]
    [InlineData("6.1", "idt", false, 0x20)]
    [InlineData("6.6", "idt", true, 0x20)]
    [InlineData("6.9", "idt", true, 0x20)]
    [InlineData("6.9", "fred", true, 0x20)]
    [InlineData("6.10", "idt", true, 0x20)]
    [InlineData("6.10", "fred", true, 0x20)]
    [InlineData("latest", "idt", true, 0x20)]
    [InlineData("latest", "fred", true, 0x20)]
    public void First_msix_vectors_on_a_4_cpu_machine_irq_matrix_alloc(string version, string delivery, bool smp, int first)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: first-vectors
            kernel: {version: "{{{version}}}", delivery: {{{delivery}}}, config: {SMP: {{{(smp ? "true" : "false")}}}}}
            machine: {cpus: 4}
            devices:
              - name: eth0
                msix: {vectors: 4, affinity: [0, 1, 2, 3]}
                handler: {returns: handled}
              - name: nvme0
                msix: {vectors: 2}
                handler: {returns: handled}
            steps:
              - {raise: {device: eth0, vector_index: 0}}
              - {raise: {device: eth0, vector_index: 3}}
              - {raise: {device: nvme0, vector_index: 0}}
              - {raise: {device: nvme0, vector_index: 1}}
              - {advance: 10us}
            """);

        // eth0 vector i on CPU i, each CPU's lowest free bit; nvme0 (all CPUs allowed) then finds all four CPUs equal
        // and takes CPU 0 and CPU 1 in turn, each at its next free bit.
        var seen = r.Dispatch.Select(d => (d.Cpu, d.Vector, d.Irq)).ToList();
        Assert.True(seen.SequenceEqual([(0, first, 24), (3, first, 27), (0, first + 1, 28), (1, first + 1, 29)]), Sim.Describe(r));
    }

    [Theory]
    [InlineData("6.1", "idt", 201, 0xeb)]
    [InlineData("6.6", "idt", 202, 0xeb)]
    [InlineData("6.9", "idt", 202, 0xeb)]
    [InlineData("6.9", "fred", 203, 0xeb)]
    [InlineData("6.10", "idt", 201, 0xea)]
    [InlineData("6.10", "fred", 202, 0xea)]
    [InlineData("latest", "idt", 201, 0xea)]
    [InlineData("latest", "fred", 202, 0xea)]
    public void One_cpu_holds_the_allocation_range_less_its_system_bits_then_ENOSPC(string version, string delivery, int capacity, int last)
    {
        string Scenario(int vectors) => $$$"""
            irqlab: 1
            name: exhaust
            kernel: {version: "{{{version}}}", delivery: {{{delivery}}}}
            machine: {cpus: 1}
            devices:
              - name: eth0
                msix: {vectors: {{{vectors.ToString(CultureInfo.InvariantCulture)}}}}
                handler: {returns: handled}
            steps:
              - {raise: {device: eth0, vector_index: {{{(vectors - 1).ToString(CultureInfo.InvariantCulture)}}}}}
              - {advance: 10us}
            """;

        var fits = Sim.Run(Scenario(capacity));
        Assert.True(fits.Dispatch.Count == 1 && fits.Dispatch[0].Vector == last, Sim.Describe(fits));
        Assert.DoesNotContain(fits.Messages, m => m.Text.Contains("-ENOSPC", StringComparison.Ordinal));

        var over = Sim.Run(Scenario(capacity + 1));
        Assert.Empty(over.Dispatch);
        Assert.Contains(over.Messages, m => m.Text.Contains("request_irq(", StringComparison.Ordinal) && m.Text.Contains("-ENOSPC (-28)", StringComparison.Ordinal));
    }

    // arch/x86/kernel/apic/vector.c: lapic_assign_system_vectors() marks ISA_IRQ_VECTOR(i) of each legacy irq but the cascade
    // allocated on the boot CPU (irq_matrix_assign()); vector_configure_legacy() releases it only when the IO-APIC domain
    // takes that irq over, and lapic_update_legacy_vectors() does nothing while an IO-APIC exists. An ISA irq whose GSI (ISA 0
    // is GSI 2) lies beyond the IO-APICs' pins has no mp_irqs entry (mp_config_acpi_legacy_irqs(): mp_find_ioapic() fails), so
    // it stays an 8259 irq and CPU 0 keeps its vector: fewer free vectors there, a skipped 0x30-0x3f range, and irq_matrix_alloc()
    // prefers the other CPU until the counts are even. Rows: IO-APIC pin counts, CPUs, MSI-X vector raised, expected CPU/vector.
    [Theory]
    [InlineData("24", 1, 23, 0, 0x38)]
    [InlineData("8", 1, 22, 0, 0x37)]
    [InlineData("8", 1, 23, 0, 0x40)]
    [InlineData("2", 1, 16, 0, 0x31)]
    [InlineData("2", 1, 17, 0, 0x40)]
    [InlineData("8", 2, 0, 1, 0x20)]
    [InlineData("8", 2, 7, 1, 0x27)]
    [InlineData("8", 2, 8, 0, 0x20)]
    [InlineData("8", 2, 9, 1, 0x28)]
    [InlineData("8,24", 2, 0, 0, 0x20)]
    [InlineData("8,24", 1, 23, 0, 0x38)]
    public void Legacy_vectors_of_isa_irqs_no_io_apic_takes_over_stay_on_cpu0(string pins, int cpus, int index, int cpu, int vector)
    {
        var ioapics = string.Join(", ", pins.Split(',').Select((n, i) => $"{{id: {i}, pins: {n}}}"));
        var r = Sim.Run($$$"""
            irqlab: 1
            name: legacy-vectors
            kernel: {version: latest}
            machine: {cpus: {{{cpus}}}, ioapics: [{{{ioapics}}}]}
            devices:
              - name: eth0
                msix: {vectors: 30}
                handler: {returns: handled}
            steps:
              - {raise: {device: eth0, vector_index: {{{index}}}}}
              - {advance: 10us}
            """);

        Assert.True(r.Dispatch.Count == 1 && r.Dispatch[0].Cpu == cpu && r.Dispatch[0].Vector == vector, Sim.Describe(r));
    }

    // kernel/irq/manage.c __setup_irq(): the irq is activated (irq_activate() -> x86_vector_activate() -> activate_reserved())
    // before the new action is linked into desc->action; when no vector is left the request fails with the irq still
    // without an action, so /proc/interrupts (show_interrupts(): no action and no counts, or no action on the newest) does not
    // list it. Wired lines, IO-APIC pin and ISA, after a NIC took every vector of the one CPU.
    [Theory]
    [InlineData("6.1", 201)]
    [InlineData("6.6", 202)]
    [InlineData("6.10", 201)]
    [InlineData("latest", 201)]
    public void A_wired_line_whose_request_irq_found_no_vector_has_no_action_row(string version, int capacity)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: failed-request
            kernel: {version: "{{{version}}}"}
            machine: {cpus: 1}
            devices:
              - name: bignic
                msix: {vectors: {{{capacity}}}}
                handler: {returns: handled}
              - name: disk
                line: {ioapic: 0, pin: 20}
                handler: {returns: handled}
              - name: kbd
                line: {isa: 1}
                handler: {returns: handled}
            steps:
              - {pulse: disk}
              - {pulse: kbd}
              - {advance: 10us}
            """);

        Assert.Contains(r.Messages, m => m.Text.StartsWith("disk: request_irq(20) failed: -ENOSPC (-28)", StringComparison.Ordinal));
        Assert.Contains(r.Messages, m => m.Text.StartsWith("kbd: request_irq(1) failed: -ENOSPC (-28)", StringComparison.Ordinal));
        Assert.Empty(r.Dispatch);
        Assert.False(Sim.HasRow(r, "20") || Sim.HasRow(r, "1"), Sim.Describe(r));
    }

    // A driver whose MSI-X request_irq() fails part-way frees the vectors it already got: each had been activated
    // (apic_update_vector() put the descriptor in vector_irq), and free_irq() -> x86_vector_deactivate() ->
    // clear_irq_vector() leaves VECTOR_SHUTDOWN there. common_interrupt() resets a VECTOR_SHUTDOWN slot to VECTOR_UNUSED
    // silently (arch/x86/kernel/irq.c); only the next interrupt on that vector reports "No irq handler".
    [Theory]
    [InlineData("6.6", 203, 0x20)]
    [InlineData("6.10", 202, 0x20)]
    [InlineData("latest", 202, 0xea)]
    public void Vectors_freed_by_a_failed_msix_request_are_vector_shutdown(string version, int vectors, int vector)
    {
        var r = Sim.Run($$$"""
            irqlab: 1
            name: shutdown-slots
            kernel: {version: "{{{version}}}"}
            machine: {cpus: 1}
            devices:
              - name: bignic
                msix: {vectors: {{{vectors}}}}
                handler: {returns: handled}
            steps:
              - {ipi: {from: 0, to: 0, vector: {{{vector}}}}}
              - {advance: 10us}
              - {ipi: {from: 0, to: 0, vector: {{{vector}}}}}
              - {advance: 10us}
            """);

        Assert.Contains(r.Messages, m => m.Text.Contains("-ENOSPC (-28)", StringComparison.Ordinal));
        Assert.True(r.Messages.Count(m => m.Text.Contains("No irq handler", StringComparison.Ordinal)) == 1, Sim.Describe(r));
    }
}
