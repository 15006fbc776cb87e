using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// With IA32_APIC_BASE[11] = 0 the processor is "functionally equivalent to an IA-32 processor without an on-chip
/// APIC" (SDM Vol. 3A §11.4.3): the 8259's INT output is the CPU's INTR pin itself, so ISA interrupts reach it without
/// any LVT (QEMU <c>pic_irq_request</c>; KVM <c>kvm_apic_accept_pic_intr</c> returns 1 when the APIC is not
/// hardware-enabled). Each case programs the 8259 (master vectors 0x20, ICW4 given by the case), disables the BSP's
/// APIC and checks the handlers that ran.
/// </summary>
public sealed class ApicDisabledPicModeTests
{
    private const string Program8259 = """
          - {write: {port: 0x20, value: 0x11}}
          - {write: {port: 0x21, value: 0x20}}
          - {write: {port: 0x21, value: 0x04}}
        """;

    public static TheoryData<string, string, int[]> Cases => new()
    {
        {
            "an edge after the APIC is disabled is taken through INTR",
            """
              - {write: {port: 0x21, value: 0x01}}
              - {write: {cpu: 0, msr: 0x1B, value: 0xFEE00100}}
              - {pulse: kbd}
              - {advance: 1us}
            """,
            [0x21]
        },
        {
            "a request held with IF=0 waits for STI, as INTR does",
            """
              - {write: {port: 0x21, value: 0x01}}
              - {write: {cpu: 0, msr: 0x1B, value: 0xFEE00100}}
              - {cli: {cpu: 0}}
              - {pulse: com}
              - {advance: 1us}
              - {expect: {handlers: []}}
              - {sti: {cpu: 0}}
              - {advance: 1us}
            """,
            [0x23]
        },
        {
            "a request already high when the APIC is disabled is taken at once",
            """
              - {write: {port: 0x21, value: 0x01}}
              - {pulse: kbd}
              - {advance: 1us}
              - {expect: {handlers: []}}
              - {write: {cpu: 0, msr: 0x1B, value: 0xFEE00100}}
              - {advance: 1us}
            """,
            [0x21]
        },
        {
            "AEOI: INT stays high across INTA and the second request follows the first",
            """
              - {write: {port: 0x21, value: 0x03}}
              - {write: {cpu: 0, msr: 0x1B, value: 0xFEE00100}}
              - {cli: {cpu: 0}}
              - {pulse: com}
              - {pulse: kbd}
              - {sti: {cpu: 0}}
              - {advance: 1us}
            """,
            [0x21, 0x23]
        },
        {
            "re-enabling the APIC puts LINT0 (masked after the reset) back in the way: a pending request is withdrawn",
            """
              - {write: {port: 0x21, value: 0x01}}
              - {write: {cpu: 0, msr: 0x1B, value: 0xFEE00100}}
              - {cli: {cpu: 0}}
              - {pulse: kbd}
              - {write: {cpu: 0, msr: 0x1B, value: 0xFEE00900}}
              - {sti: {cpu: 0}}
              - {advance: 1us}
            """,
            []
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_8259_drives_INTR_directly_while_the_local_APIC_is_globally_disabled_SDM_11_4_3(string title, string steps, int[] vectors)
    {
        var yaml = """
            irqlab: 1
            name: pic-mode
            kernel: {mode: bare}
            machine: {cpus: 2}
            devices:
              - {name: kbd, line: {isa: 1}}
              - {name: com, line: {isa: 3}}
            handlers:
              - {vector: 0x21, do: [{write: {port: 0x20, value: 0x20}}]}
              - {vector: 0x23, do: [{write: {port: 0x20, value: 0x20}}]}
            steps:

            """ + Program8259 + "\n" + steps + "\n";
        var r = Sim.Run(yaml);

        Assert.True(r.Expects.All(e => e.Ok), title + "\n" + Sim.Describe(r));
        Assert.Equal(vectors, r.Dispatch.Select(d => (int)d.Vector).ToArray());
        Assert.All(r.Dispatch, d => Assert.Equal(0, d.Cpu));
        Assert.Null(Sim.Unconserved(r));
    }
}
