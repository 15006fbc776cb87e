using IrqLab.Simulation.Output;
using Xunit;

namespace IrqLab.Tests.Simulation;

/// <summary>
/// A guest's logical destination register and the IPIs it sends to logical destinations (SDM Vol. 3A §11.6.2.2 and
/// §11.12.10.2; KVM's <c>kvm_apic_match_logical_addr()</c> through <c>kvm_apic_send_ipi()</c>). In xAPIC mode the guest
/// writes its LDR and DFR (KVM keeps LDR bits 31:24 and sets DFR bits 27:0); in x2APIC mode the LDR is read-only,
/// <c>(id &gt;&gt; 4) &lt;&lt; 16 | 1 &lt;&lt; (id &amp; 15)</c> of the APIC ID, which is the vCPU index.
/// </summary>
public sealed class GuestLogicalDestinationTests
{
    // Four vCPUs on CPUs 1-4. Vectors 0x41-0x44 make vCPU i - 0x41 write its LDR and DFR (xAPIC); 0x48 on vCPU 0 sends
    // vector 0x61 to the logical destination under test; 0x61 records who took it.
    private const string Template = """
        irqlab: 1
        name: guest-logical
        kernel: {version: "6.10"}
        machine: {cpus: 5, apic: MODE}
        vms:
          - name: g0
            vcpus: [{cpu: 1}, {cpu: 2}, {cpu: 3}, {cpu: 4}]
            apicv: true
            posted_interrupts: true
            handlers:
              - {vector: 0x41, do: [{write: {reg: apic.ldr, value: LDR0}}, {write: {reg: apic.dfr, value: DFR}}, eoi]}
              - {vector: 0x42, do: [{write: {reg: apic.ldr, value: LDR1}}, {write: {reg: apic.dfr, value: DFR}}, eoi]}
              - {vector: 0x43, do: [{write: {reg: apic.ldr, value: LDR2}}, {write: {reg: apic.dfr, value: DFR}}, eoi]}
              - {vector: 0x44, do: [{write: {reg: apic.ldr, value: LDR3}}, {write: {reg: apic.dfr, value: DFR}}, eoi]}
              - {vector: 0x48, do: [{ipi: {to: {logical: DEST}, vector: 0x61, mode: HOW}}, eoi]}
              - {vector: 0x61, do: [eoi]}
              - {vector: 2, do: []}
        steps:
          - {vm: {op: enter, vm: g0, vcpu: 0}}
          - {vm: {op: enter, vm: g0, vcpu: 1}}
          - {vm: {op: enter, vm: g0, vcpu: 2}}
          - {vm: {op: enter, vm: g0, vcpu: 3}}
          - {vm: {op: post, vm: g0, vcpu: 0, vector: 0x41}}
          - {vm: {op: post, vm: g0, vcpu: 1, vector: 0x42}}
          - {vm: {op: post, vm: g0, vcpu: 2, vector: 0x43}}
          - {vm: {op: post, vm: g0, vcpu: 3, vector: 0x44}}
          - {advance: 1us}
          - {vm: {op: post, vm: g0, vcpu: 0, vector: 0x48}}
          - {advance: 10us}
        """;

    private static string Yaml(string mode, string dfr, uint[] ldrs, string destination, string how)
    {
        var yaml = Template.Replace("MODE", mode, StringComparison.Ordinal).Replace("DFR", dfr, StringComparison.Ordinal)
            .Replace("DEST", destination, StringComparison.Ordinal).Replace("HOW", how, StringComparison.Ordinal);
        for (var i = 0; i < 4; i++)
        {
            yaml = yaml.Replace($"LDR{i}", $"0x{ldrs[i]:X8}", StringComparison.Ordinal);
        }

        if (mode == "x2apic")
        {
            // No LDR or DFR writes in x2APIC mode (read-only, absent): the handlers only EOI.
            yaml = string.Join('\n', yaml.Split('\n').Select(l => l.Contains("apic.ldr", StringComparison.Ordinal)
                ? l[..l.IndexOf("do:", StringComparison.Ordinal)] + "do: [eoi]}" : l));
        }

        return yaml;
    }

    private static RunResult Run(string mode, string dfr, uint[] ldrs, string destination, string how = "fixed")
    {
        var r = Sim.Run(Yaml(mode, dfr, ldrs, destination, how));
        Assert.Null(Sim.Unconserved(r));
        Assert.DoesNotContain(r.Messages, m => m.Text.StartsWith("irqlab: guest action", StringComparison.Ordinal));
        return r;
    }

    private static int[] Receivers(RunResult r, int vector) =>
        r.Dispatch.Where(d => d.Vector == vector && d.Vm == "g0").Select(d => d.Vcpu!.Value).Order().ToArray();

    private static readonly uint[] FlatLdrs = [0x0100_0000, 0x0200_0000, 0x0400_0000, 0x0800_0000];
    private static readonly uint[] ClusterLdrs = [0x1100_0000, 0x1200_0000, 0x2100_0000, 0x2200_0000];

    /// <summary>
    /// xAPIC flat model (DFR 1111B): a vCPU is a destination when the 8-bit destination shares a bit with LDR[31:24];
    /// 0xFF reaches every vCPU (KVM: <c>kvm_apic_broadcast()</c>), the sender's own bit puts the vector in its own IRR.
    /// </summary>
    [Theory]
    [InlineData("0x06", new[] { 1, 2 })]
    [InlineData("0x0F", new[] { 0, 1, 2, 3 })]
    [InlineData("0x10", new int[0])]
    [InlineData("0xFF", new[] { 0, 1, 2, 3 })]
    public void Xapic_flat_logical_destinations_SDM_11_6_2_2(string destination, int[] expected)
    {
        var r = Run("xapic", "0xFFFFFFFF", FlatLdrs, destination);
        Assert.Equal(expected, Receivers(r, 0x61));
        Assert.Equal(expected.Length == 0 ? 1 : 0, r.Stats.Dropped);
    }

    /// <summary>
    /// xAPIC cluster model (DFR 0000B): the destination's bits 7:4 name the cluster (LDR[31:28]) and bits 3:0 its
    /// members (LDR[27:24]).
    /// </summary>
    [Theory]
    [InlineData("0x13", new[] { 0, 1 })]
    [InlineData("0x22", new[] { 3 })]
    [InlineData("0x31", new int[0])]
    [InlineData("0xFF", new[] { 0, 1, 2, 3 })]
    public void Xapic_cluster_logical_destinations_SDM_11_6_2_2(string destination, int[] expected)
    {
        var r = Run("xapic", "0x0", ClusterLdrs, destination);
        Assert.Equal(expected, Receivers(r, 0x61));
    }

    /// <summary>
    /// x2APIC: bits 31:16 of the destination name a cluster and 15:0 its members; vCPU n's LDR is cluster n &gt;&gt; 4,
    /// bit n &amp; 15 (SDM §11.12.10.2), and only 0xFFFFFFFF broadcasts.
    /// </summary>
    [Theory]
    [InlineData("0x00000006", new[] { 1, 2 })]
    [InlineData("0x0000000F", new[] { 0, 1, 2, 3 })]
    [InlineData("0x00010001", new int[0])]
    [InlineData("0xFFFFFFFF", new[] { 0, 1, 2, 3 })]
    public void X2apic_cluster_logical_destinations_SDM_11_12_10_2(string destination, int[] expected)
    {
        var r = Run("x2apic", "0", FlatLdrs, destination);
        Assert.Equal(expected, Receivers(r, 0x61));
    }

    /// <summary>
    /// A logical NMI reaches the matching vCPUs' NMI handlers (<c>kvm_inject_nmi()</c>); a lowest-priority IPI that
    /// matches one vCPU is taken as fixed by it (<c>__apic_accept_irq()</c>).
    /// </summary>
    [Fact]
    public void A_logical_nmi_and_a_single_target_lowest_priority_ipi_are_delivered()
    {
        var nmi = Run("xapic", "0xFFFFFFFF", FlatLdrs, "0x0C", "nmi");
        Assert.Equal([2, 3], Receivers(nmi, 2));

        var lowest = Run("xapic", "0xFFFFFFFF", FlatLdrs, "0x04", "lowest");
        Assert.Equal([2], Receivers(lowest, 0x61));
    }

    /// <summary>
    /// Still not modelled, and said so: a logical NMI that includes the sender, and a lowest-priority IPI that matches
    /// several vCPUs (KVM's arbitration by vector hashing).
    /// </summary>
    [Theory]
    [InlineData("0x01", "nmi")]
    [InlineData("0x06", "lowest")]
    public void A_logical_ipi_the_model_does_not_arbitrate_is_said_and_ignored(string destination, string mode)
    {
        var r = Sim.Run(Yaml("xapic", "0xFFFFFFFF", FlatLdrs, destination, mode));
        Assert.Single(r.Messages, m => m.Text == "irqlab: guest action ipi in VM g0's handler for vector 0x48 is not modelled inside a VM; ignored");
        Assert.Empty(Receivers(r, 0x61));
        Assert.Empty(Receivers(r, 2));
    }

    /// <summary>
    /// The registers themselves: an xAPIC LDR write keeps bits 31:24 and a DFR write reads back with bits 27:0 set
    /// (KVM's <c>kvm_lapic_reg_write()</c>; SDM §11.6.2.2: "bits 27:0 reserved, read as 1"); the reset DFR is all ones
    /// and the reset LDR 0. With APICv the writes are virtualized and then an APIC-write exit each (SDM Vol. 3C 30.4.3.2:
    /// 0D0H and 0E0H are not TPR, EOI or ICR low) and the reads are virtualized (30.4.2 lists both offsets); without it
    /// every access is an APIC-access exit, the handler's EOI too (MSR_READ and MSR_WRITE in x2APIC mode). x2APIC: the
    /// LDR reads as derived from the APIC ID, by name or as MSR 80DH.
    /// </summary>
    [Theory]
    [InlineData("xapic", true, "APIC_WRITE,APIC_WRITE")]
    [InlineData("xapic", false, "APIC_ACCESS,APIC_ACCESS,APIC_ACCESS,APIC_ACCESS,APIC_ACCESS,APIC_ACCESS,APIC_ACCESS")]
    [InlineData("x2apic", true, "")]
    [InlineData("x2apic", false, "MSR_READ,MSR_READ,MSR_WRITE")]
    public void Guest_ldr_and_dfr_reads_and_writes_SDM_11_6_2_2_and_30_4(string mode, bool apicv, string exits)
    {
        var x2 = mode == "x2apic";
        var actions = x2
            ? "{read: {reg: apic.ldr, as: ldr}}, {read: {msr: 0x80D, as: ldr_msr}}"
            : "{read: {reg: apic.ldr, as: ldr0}}, {read: {reg: apic.dfr, as: dfr0}}, {write: {reg: apic.ldr, value: 0x12345678}}, {write: {mmio: 0xFEE000E0, value: 0}}, {read: {reg: apic.ldr, as: ldr}}, {read: {mmio: 0xFEE000E0, as: dfr}}";
        var r = Sim.Run($$$"""
            irqlab: 1
            name: guest-ldr
            kernel: {version: "6.10"}
            machine: {cpus: 3, apic: {{{mode}}}}
            vms:
              - name: g0
                vcpus: [{cpu: 1}, {cpu: 2}]
                apicv: {{{(apicv ? "true" : "false")}}}
                posted_interrupts: {{{(apicv ? "true" : "false")}}}
                handlers:
                  - {vector: 0x40, do: [{{{actions}}}, eoi]}
            steps:
              - {vm: {op: enter, vm: g0, vcpu: 1}}
              - {vm: {op: post, vm: g0, vcpu: 1, vector: 0x40}}
              - {advance: 10us}
            """);

        Assert.DoesNotContain(r.Messages, m => m.Text.StartsWith("irqlab: guest action", StringComparison.Ordinal));
        if (x2)
        {
            Assert.Equal(0x2UL, Sim.Read(r, "ldr").Scalar);
            Assert.Equal(0x2UL, Sim.Read(r, "ldr_msr").Scalar);
        }
        else
        {
            Assert.Equal(0UL, Sim.Read(r, "ldr0").Scalar);
            Assert.Equal(0xFFFF_FFFFUL, Sim.Read(r, "dfr0").Scalar);
            Assert.Equal(0x1200_0000UL, Sim.Read(r, "ldr").Scalar);
            Assert.Equal(0x0FFF_FFFFUL, Sim.Read(r, "dfr").Scalar);
        }

        var handlerExits = r.VmExits.Where(x => x.Reason != "EXTERNAL_INTERRUPT").Select(x => x.Reason);
        Assert.Equal(exits, string.Join(',', handlerExits));
    }
}
