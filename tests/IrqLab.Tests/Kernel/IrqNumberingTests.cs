using IrqLab.Kernel;
using IrqLab.Vectors;
using Xunit;

namespace IrqLab.Tests.Kernel;

/// <summary>irq numbers: GSIs, the ISA override, dynamic MSI irqs (io_apic.c mp_map_gsi_to_irq, arch_dynirq_lower_bound).</summary>
public sealed class IrqNumberingTests
{
    [Fact]
    public void Gsi_base_of_an_IO_APIC_is_the_sum_of_the_previous_pin_counts()
    {
        // IO-APIC 1 starts at GSI 24: its domain is IOAPIC_DOMAIN_DYNAMIC (acpi_parse_ioapic(): gsi_base >= 16), so its pin 3
        // (GSI 27) gets the first dynamic irq, ioapic_dynirq_base = 24, and hwirq 3; the MSI-X irq that follows is 25.
        var model = K.Model(out var p, K.Options(ioapics: [24, 8]));
        var r = new DeviceRequest(1, "i2c", DeviceLineKind.IoApicPin, 1, 3, -1, false, false, false, 1, [], IrqLab.Scenarios.Model.HandlerReturn.Handled, 0);
        Assert.Equal([24], model.RequestIrq(r));
        Assert.Equal((1, 3, 3L), (model.DescAt(24)!.IoApic, model.DescAt(24)!.Pin, model.DescAt(24)!.Hwirq));
        Assert.Contains(p.Calls, c => c.StartsWith("ioapic.program 1 3 ", StringComparison.Ordinal));
        Assert.Equal(25, model.RequestIrq(K.MsiX(2, "eth0", 1))[0]);
    }

    // The irq numbers of IO-APIC pins and MSI vectors, requested in order (arch/x86/kernel/acpi/boot.c acpi_parse_ioapic():
    // IO-APICs with gsi_base < nr_legacy_irqs() get a static IOAPIC_DOMAIN_LEGACY domain, the others IOAPIC_DOMAIN_DYNAMIC;
    // io_apic.c alloc_irq_from_domain(): a static domain maps irq = GSI except non-ISA GSIs below 16 while a PIC exists (GSI 0
    // in the PC wiring); mp_irqdomain_create(): ioapic_dynirq_base = end of the static IO-APICs; arch_dynirq_lower_bound() ->
    // ioapic_dynirq_base; the 8259's irqs 0-15 are preallocated with a PIC). Requests: "A.P" = IO-APIC A pin P (level,
    // shared), "xN" = MSI-X with N vectors, "m" = MSI, "iN" = ISA IRQ N. Without a PIC nr_legacy_irqs() is 0: mp_is_legacy_irq()
    // is false for every irq and the static domain maps irq = GSI, so ISA IRQ 0 (GSI 2) is irq 2 and GSI 0 is irq 0.
    [Theory]
    [InlineData(new[] { 24, 8 }, true, "1.3 x2 1.5", new[] { 24, 25, 26, 27 })]
    [InlineData(new[] { 24, 8 }, true, "x2 1.3 1.3 0.20", new[] { 24, 25, 26, 26, 20 })]
    [InlineData(new[] { 24, 8 }, false, "m 1.0", new[] { 24, 25 })]
    [InlineData(new[] { 8, 24 }, true, "1.10 m", new[] { 18, 32 })]
    [InlineData(new[] { 24, 24, 8 }, true, "2.7 1.0 m", new[] { 24, 25, 26 })]
    [InlineData(new[] { 8 }, true, "m 0.5", new[] { 16, 5 })]
    [InlineData(new[] { 8 }, false, "m 0.5", new[] { 8, 5 })]
    [InlineData(new[] { 24 }, true, "0.0 m 0.2 0.14", new[] { 24, 25, 0, 14 })]
    [InlineData(new[] { 24 }, true, "i0 i1", new[] { 0, 1 })]
    [InlineData(new[] { 24 }, false, "0.0 m 0.2 0.14", new[] { 0, 24, 2, 14 })]
    [InlineData(new[] { 24 }, false, "i0 i1", new[] { 2, 1 })]
    public void Irq_numbers_of_IO_APIC_pins_and_MSI_follow_the_ioapic_domain_types(int[] ioapics, bool pic, string requests, int[] irqs)
    {
        var model = K.Model(out _, K.Options(KernelVersion.V6_6, ioapics: ioapics, pic: pic));
        var got = new List<int>();
        var device = 1;
        foreach (var req in requests.Split(' '))
        {
            DeviceRequest r = req[0] switch
            {
                'x' => K.MsiX(device, "x" + device, int.Parse(req[1..], System.Globalization.CultureInfo.InvariantCulture)),
                'm' => K.Msi(device, "m" + device),
                'i' => K.Isa(device, "i" + device, int.Parse(req[1..], System.Globalization.CultureInfo.InvariantCulture)),
                _ => new DeviceRequest(device, "p" + device, DeviceLineKind.IoApicPin,
                    int.Parse(req.Split('.')[0], System.Globalization.CultureInfo.InvariantCulture),
                    int.Parse(req.Split('.')[1], System.Globalization.CultureInfo.InvariantCulture),
                    -1, true, true, true, 1, [], IrqLab.Scenarios.Model.HandlerReturn.Handled, 0),
            };
            got.AddRange(model.RequestIrq(r));
            device++;
        }

        Assert.Equal(irqs, got);
    }

    [Fact]
    public void Isa_irq_0_is_IO_APIC_pin_2_in_the_PC_wiring()
    {
        var model = K.Model(out var p);
        Assert.Equal([0], model.RequestIrq(K.Isa(1, "timer", 0)));
        Assert.Equal(2L, model.DescAt(0)!.Hwirq);
        Assert.Contains(p.Calls, c => c.StartsWith("ioapic.program 0 2 ", StringComparison.Ordinal));
        Assert.Equal([14], model.RequestIrq(K.Isa(2, "ata0", 14)));
        Assert.Equal(14L, model.DescAt(14)!.Hwirq);
    }

    [Fact]
    public void Isa_irq_2_is_the_cascade()
    {
        var model = K.Model(out _);
        Assert.Throws<KernelSetupException>(() => model.RequestIrq(K.Isa(1, "x", 2)));
    }

    // arch_dynirq_lower_bound() (arch/x86/kernel/apic/io_apic.c): ioapic_dynirq_base ?: gsi_top, else (6.4+, "x86/ioapic:
    // Don't return 0 from arch_dynirq_lower_bound()") the core's `from`, which irq_domain_alloc_descs() makes 1 (hint 0 -> 1);
    // the 8259's irqs 0-15 are preallocated only when a PIC exists (early_irq_init(): arch_probe_nr_irqs() returns
    // legacy_pic->probe()), so without an IO-APIC or a PIC the first dynamic irq is 1.
    [Theory]
    [InlineData(KernelVersion.V6_10, new[] { 24 }, true, 24)]
    [InlineData(KernelVersion.V6_10, new[] { 24 }, false, 24)]
    [InlineData(KernelVersion.V6_1, new int[0], true, 16)]
    [InlineData(KernelVersion.V6_6, new int[0], true, 16)]
    [InlineData(KernelVersion.V6_6, new int[0], false, 1)]
    [InlineData(KernelVersion.V6_9, new int[0], false, 1)]
    [InlineData(KernelVersion.V6_10, new int[0], false, 1)]
    [InlineData(KernelVersion.Latest, new int[0], false, 1)]
    public void Msi_irqs_start_after_the_last_GSI_arch_dynirq_lower_bound(KernelVersion version, int[] ioapics, bool pic, int first)
    {
        var model = K.Model(out _, K.Options(version, ioapics: ioapics, pic: pic));
        Assert.Equal([first, first + 1], model.RequestIrq(K.MsiX(1, "eth0", 2)));
        Assert.Equal([first + 2], model.RequestIrq(K.Msi(2, "nvme0")));
        Assert.Equal(first + 1, model.IrqOfDevice(1, 1));
        Assert.Equal(-1, model.IrqOfDevice(9, 0));
    }

    [Theory]
    [InlineData(KernelVersion.V6_1)]
    [InlineData(KernelVersion.V6_6)]
    [InlineData(KernelVersion.V6_10)]
    [InlineData(KernelVersion.Latest)]
    public void Multiple_MSI_falls_back_to_one_vector_msi_capability_init(KernelVersion version)
    {
        // drivers/pci/msi/msi.c msi_capability_init(): without MSI_FLAG_MULTI_PCI_MSI (x86 without interrupt remapping)
        // a multi-message request returns 1 and __pci_enable_msi_range() retries with one vector, silently.
        var model = K.Model(out _, K.Options(version));
        Assert.Equal([24], model.RequestIrq(K.Msi(1, "ahci", 4)));
        Assert.Equal([25], model.RequestIrq(K.Msi(2, "nvme0")));
        Assert.Equal(24, model.IrqOfDevice(1, 0));
        Assert.Equal(-1, model.IrqOfDevice(1, 1));
    }

    [Fact]
    public void Without_IO_APIC_isa_lines_use_the_8259_with_fixed_vectors_and_a_cascade_action_irqinit_c()
    {
        var model = K.Model(out var p, K.Options(KernelVersion.V6_1, ioapics: []));
        Assert.Equal([14], model.RequestIrq(K.Isa(1, "ata0", 14)));
        var d = model.DescAt(14)!;
        Assert.Equal(("XT-PIC", VectorSpace.IsaIrqVector(14)), (d.ChipName, d.Vector));
        Assert.Contains("pic.mask 14 False", p.Calls);
        Assert.Equal("cascade", model.DescAt(2)!.ActionNames());
        Assert.True(model.Matrix.IsAllocated(0, 0x3e));
    }

    [Fact]
    public void Pic_lines_are_masked_at_init_init_8259A()
    {
        _ = K.Model(out var p);
        Assert.Equal(16, p.Calls.Count(c => c.StartsWith("pic.mask", StringComparison.Ordinal) && c.EndsWith("True", StringComparison.Ordinal)));
    }

    /// <summary>
    /// 6.1's global PCI-MSI domain: hwirq = msi_index | pci_dev_id(dev) &lt;&lt; 11 (pci_msi_domain_calc_hwirq(),
    /// drivers/pci/msi/irqdomain.c), pci_dev_id = PCI_DEVID(bus, devfn) = bus &lt;&lt; 8 | slot &lt;&lt; 3 | fn. Device d sits at
    /// bus d + 1 (docs/kernel.md), so device 255 is 0000:00:01.0: its devfn is 8, not 1. 6.6+ names the chip by the BDF.
    /// </summary>
    [Theory]
    [InlineData(KernelVersion.V6_1, 0, "PCI-MSI", 1L << 19)]              // bus 1, devfn 0
    [InlineData(KernelVersion.V6_1, 255, "PCI-MSI", 8L << 11)]            // bus 0, slot 1: devfn 8
    [InlineData(KernelVersion.V6_6, 255, "PCI-MSI-0000:00:01.0", 0L)]
    public void Msi_hwirq_and_chip_name_use_pci_dev_id_with_devfn_pci_msi_domain_calc_hwirq(KernelVersion version, int device, string chip, long hwirq)
    {
        var model = K.Model(out _, K.Options(version, cpus: 1));
        var irq = model.RequestIrq(K.Msi(device, "nic"))[0];
        Assert.Equal((chip, hwirq), (model.DescAt(irq)!.ChipName, model.DescAt(irq)!.Hwirq));
    }
}
