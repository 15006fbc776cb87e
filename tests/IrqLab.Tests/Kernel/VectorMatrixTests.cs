using CsCheck;
using IrqLab.Kernel;
using IrqLab.Kernel.Matrix;
using IrqLab.Scenarios.Model;
using IrqLab.Vectors;
using Xunit;

namespace IrqLab.Tests.Kernel;

/// <summary>Vector allocation (kernel/irq/matrix.c, arch/x86/kernel/apic/vector.c; linux-dispatch.md §5.1-5.2).</summary>
public sealed class VectorMatrixTests
{
    [Fact]
    public void Unmanaged_alloc_spreads_to_the_CPU_with_most_available_ties_lowest_matrix_c()
    {
        var model = K.Model(out _, K.Options(KernelVersion.V6_10, cpus: 4));
        var irqs = model.RequestIrq(K.MsiX(1, "eth0", 6));
        Assert.Equal([0, 1, 2, 3, 0, 1], irqs.Select(i => model.DescAt(i)!.Cpu));
    }

    [Theory]
    [InlineData(KernelVersion.V6_1, 0x21)] // IRQ_MOVE_CLEANUP_VECTOR 0x20 is a system vector in 6.1
    [InlineData(KernelVersion.V6_6, 0x20)]
    [InlineData(KernelVersion.V6_10, 0x20)]
    public void Alloc_takes_the_lowest_free_bit_matrix_c(KernelVersion version, int first)
    {
        var model = K.Model(out _, K.Options(version, cpus: 1));
        var irqs = model.RequestIrq(K.MsiX(1, "eth0", 20));
        var vectors = irqs.Select(i => model.DescAt(i)!.Vector).ToList();
        Assert.Equal(first, vectors[0]);
        Assert.DoesNotContain(0x32, vectors); // PIC cascade ISA_IRQ_VECTOR(2) is reserved (lapic_assign_system_vectors)
        Assert.Equal(vectors.OrderBy(v => v), vectors);
    }

    [Theory]
    [InlineData(DeliveryKind.Idt, true)]
    [InlineData(DeliveryKind.Fred, false)]
    public void Int80_gate_0x80_is_reserved_only_with_the_IDT_idt_c_fred_complete_exception_setup(DeliveryKind delivery, bool reserved)
    {
        var model = K.Model(out _, K.Options(KernelVersion.V6_10, delivery: delivery));
        Assert.Equal(reserved, model.Matrix.IsSystem(0x80));
        Assert.True(model.Matrix.IsSystem(0x32));
    }

    [Fact]
    public void Msi_x_vector_i_targets_affinity_i_mod_n()
    {
        var model = K.Model(out _, K.Options(KernelVersion.V6_10, cpus: 4));
        var irqs = model.RequestIrq(K.MsiX(1, "eth0", 5, affinity: [1, 3]));
        Assert.Equal([1, 3, 1, 3, 1], irqs.Select(i => model.DescAt(i)!.Cpu));
    }

    [Fact]
    public void Full_CPU_falls_back_to_any_online_CPU_with_Affinity_broken_vector_c()
    {
        var model = K.Model(out var p, K.Options(KernelVersion.V6_10, cpus: 2));
        var perCpu = model.Matrix.Available(1);
        Assert.Equal(0xeb - 0x20 - 2, perCpu); // 0x32 and 0x80 are system bits
        var irqs = model.RequestIrq(K.MsiX(1, "eth0", perCpu + 1, affinity: [1]));
        Assert.Equal(0, model.Matrix.Available(1));
        Assert.Equal(0, model.DescAt(irqs[^1])!.Cpu);
        Assert.Equal($"irq {irqs[^1]}: Affinity broken due to vector space exhaustion.", p.Logs.Single().Text);
    }

    /// <summary>
    /// activate_reserved() (arch/x86/kernel/apic/vector.c) checks the effective affinity even when
    /// assign_irq_vector_any_locked() failed: the irq is still parked on MANAGED_IRQ_SHUTDOWN_VECTOR on the first online
    /// CPU (vector_assign_managed_shutdown()), so a request for CPU 1 warns "Affinity broken" before the -ENOSPC, and one
    /// for CPU 0 does not. Its reservation came first, on a machine with no vector left: irq_matrix_reserve() warns
    /// (0 reserved == 0 available).
    /// </summary>
    [Theory]
    [InlineData(1, true)]
    [InlineData(0, false)]
    public void Out_of_vectors_still_checks_effective_affinity_of_the_parked_irq_activate_reserved(int affinityCpu, bool warns)
    {
        var model = K.Model(out var p, K.Options(KernelVersion.V6_10, cpus: 2));
        var total = model.Matrix.Available(0) + model.Matrix.Available(1);
        model.RequestIrq(K.MsiX(1, "eth0", total));
        Assert.Empty(p.Logs);
        var ex = Assert.Throws<KernelSetupException>(() => model.RequestIrq(K.MsiX(2, "eth1", 1, affinity: [affinityCpu])));
        Assert.Equal(VectorMatrix.ENOSPC, ex.Errno);
        var irq = 24 + total;
        Assert.StartsWith($"eth1: request_irq({irq})", ex.Message);
        var expected = warns
            ? new[] { ReservationWarning, $"irq {irq}: Affinity broken due to vector space exhaustion." }
            : [ReservationWarning];
        Assert.Equal(expected, p.Logs.Select(l => l.Text));
    }

    private const string ReservationWarning = "Interrupt reservation exceeds available resources";

    /// <summary>
    /// A non-managed PCI MSI/MSI-X allocation has no info->mask, so x86_vector_alloc_irqs() -> assign_irq_vector_policy()
    /// only reserves (reserve_irq_vector() -> irq_matrix_reserve(), kernel/irq/matrix.c), every vector of the device before
    /// the driver's request_irq() assigns any; irq_matrix_reserve() warns once, when the reservations made so far equal
    /// global_available. 6.10, one CPU, no 8259 and no int80 gate: 203 vectors.
    /// </summary>
    [Theory]
    [InlineData(203, 0, false)]
    [InlineData(204, 0, true)]
    [InlineData(100, 103, false)]
    [InlineData(100, 104, true)]
    public void Msi_x_vectors_are_reserved_first_and_over_reservation_warns_once_matrix_c(int first, int second, bool warns)
    {
        var model = K.Model(out var p, K.Options(KernelVersion.V6_10, cpus: 1, pic: false, config: K.Config(("IA32_EMULATION", false))));
        Assert.Equal(203, model.Matrix.GlobalAvailable);
        var firstFailed = Record.Exception(() => model.RequestIrq(K.MsiX(1, "eth0", first)));
        Assert.Equal(first > 203, firstFailed is KernelSetupException);
        if (second > 0)
        {
            var secondFailed = Record.Exception(() => model.RequestIrq(K.MsiX(2, "eth1", second)));
            Assert.Equal(first + second > 203, secondFailed is KernelSetupException);
        }

        var texts = p.Logs.Select(l => l.Text).ToList();
        Assert.Equal(warns ? 1 : 0, texts.Count(t => t == ReservationWarning));
        if (warns)
        {
            // The reservation warning comes before the request that fails.
            Assert.Equal(0, texts.IndexOf(ReservationWarning));
        }

        Assert.Equal(0, model.Matrix.GlobalReserved);
    }

    /// <summary>
    /// A failed MSI-X request drops the reservations of its irqs that never got a vector (x86_vector_free_irqs() ->
    /// irq_matrix_remove_reserved()), so a later request on a machine with room again does not warn.
    /// </summary>
    [Fact]
    public void Failed_request_drops_its_reservations_matrix_c()
    {
        var model = K.Model(out var p, K.Options(KernelVersion.V6_10, cpus: 1, pic: false, config: K.Config(("IA32_EMULATION", false))));
        Assert.Throws<KernelSetupException>(() => model.RequestIrq(K.MsiX(1, "big", 256)));
        Assert.Equal(0, model.Matrix.GlobalReserved);
        Assert.Equal(203, model.Matrix.GlobalAvailable);
        p.Logs.Clear();
        model.RequestIrq(K.MsiX(2, "eth0", 203));
        Assert.Empty(p.Logs);
    }

    /// <summary>
    /// An IO-APIC pin is reserved when the device is enabled (mp_map_pin_to_irq()) and activated by request_irq(): on a
    /// full machine a PCI pin (GSI 16 and up) warns before its -ENOSPC; a legacy ISA irq was reserved at boot
    /// (setup_IO_APIC_irqs()), when vectors were plenty, so it does not.
    /// </summary>
    [Theory]
    [InlineData(16, true)]
    [InlineData(14, false)]
    public void Io_apic_pin_on_a_full_machine_warns_only_outside_the_legacy_irqs_matrix_c(int pin, bool warns)
    {
        var model = K.Model(out var p, K.Options(KernelVersion.V6_6, cpus: 1));
        model.RequestIrq(K.MsiX(1, "eth0", model.Matrix.GlobalAvailable));
        Assert.Empty(p.Logs);
        Assert.Throws<KernelSetupException>(() => model.RequestIrq(K.Pin(2, "dev", pin)));
        Assert.Equal(warns, p.Logs.Any(l => l.Text == ReservationWarning && l.Level == KernelLogLevel.Warning));
        Assert.Equal(0, model.Matrix.GlobalReserved);
    }

    [Fact]
    public void Machine_out_of_vectors_is_ENOSPC_and_rolls_back_matrix_c()
    {
        var model = K.Model(out _, K.Options(KernelVersion.V6_10, cpus: 1, pic: false, config: K.Config(("IA32_EMULATION", false))));
        Assert.Equal(203, model.Matrix.Available(0));
        model.RequestIrq(K.MsiX(1, "eth0", 200));
        var ex = Assert.Throws<KernelSetupException>(() => model.RequestIrq(K.MsiX(2, "eth1", 4)));
        Assert.Equal(VectorMatrix.ENOSPC, ex.Errno);
        Assert.Contains("-ENOSPC (-28)", ex.Message);
        Assert.StartsWith("eth1: request_irq(", ex.Message);
        Assert.Equal(3, model.Matrix.Available(0)); // the 3 vectors taken before the failure were freed
        Assert.Equal(-1, model.IrqOfDevice(2, 0));
    }

    [Fact]
    public void Free_returns_the_vector_and_available_matrix_c()
    {
        var model = K.Model(out _, K.Options(KernelVersion.V6_10, cpus: 1));
        var before = model.Matrix.Available(0);
        model.RequestIrq(K.Pin(1, "ata0", 14));
        Assert.Equal(before - 1, model.Matrix.Available(0));
        model.FreeIrq(1);
        Assert.Equal(before, model.Matrix.Available(0));
        Assert.False(model.Matrix.IsAllocated(0, 0x20));
    }

    [Fact]
    public void Managed_reserve_charges_every_CPU_and_alloc_picks_fewest_managed_allocated_last_wins_matrix_c()
    {
        var m = new VectorMatrix(3, 0x20, 0xeb);
        for (var c = 0; c < 3; c++)
        {
            m.Online(c);
        }

        Assert.Equal(0, m.ReserveManaged([0, 1, 2]));
        Assert.Equal(0xeb - 0x20 - 1, m.Available(0));
        var v = m.AllocManaged([0, 1, 2], out var cpu);
        Assert.Equal((0x20, 2), (v, cpu)); // equal counts: the last CPU scanned
        Assert.Equal(VectorMatrix.ENOSPC, m.AllocManaged([2], out _)); // its only managed bit is in use
        Assert.True(m.Free(2, 0x20, managed: true));
        Assert.True(m.IsManagedReserved(2, 0x20)); // stays reserved
        Assert.Equal(0xeb - 0x20 - 1, m.Available(2));
    }

    // kernel/irq/matrix.c irq_matrix_alloc_managed(): "if (cpumask_empty(msk)) return -EINVAL;", then
    // matrix_find_best_cpu_managed() walks the mask with for_each_cpu() (ascending) and skips only a greater count.
    [Theory]
    [InlineData(new int[0], VectorMatrix.EINVAL, -1)]
    [InlineData(new[] { 0, 1, 2 }, 0x20, 2)]
    [InlineData(new[] { 2, 1, 0 }, 0x20, 2)]
    [InlineData(new[] { 1, 0 }, 0x20, 1)]
    public void Alloc_managed_empty_mask_is_EINVAL_and_ties_go_to_the_highest_CPU_in_any_mask_order_matrix_c(int[] mask, int expected, int expectedCpu)
    {
        var m = new VectorMatrix(3, 0x20, 0xeb);
        for (var c = 0; c < 3; c++)
        {
            m.Online(c);
        }

        Assert.Equal(0, m.ReserveManaged([0, 1, 2]));
        var v = m.AllocManaged(mask, out var cpu);
        Assert.Equal((expected, expectedCpu), (v, cpu));
    }

    [Fact]
    public void Empty_mask_is_EINVAL_and_system_bits_after_online_are_a_BUG_matrix_c()
    {
        var m = new VectorMatrix(1, 0x20, 0xec);
        m.Online(0);
        Assert.Equal(VectorMatrix.EINVAL, m.Alloc([], false, out _));
        Assert.Throws<InvalidOperationException>(() => m.AssignSystem(0x40));
        Assert.False(m.Free(0, 0x40, false)); // not allocated: WARN
    }

    [Fact]
    public void Property_alloc_free_keeps_accounting_consistent()
    {
        Gen.Int[0, 2].Array[1, 400].Sample(ops =>
        {
            var m = new VectorMatrix(2, 0x20, 0xec);
            m.AssignSystem(0x80);
            m.Online(0);
            m.Online(1);
            var held = new List<(int Cpu, int Vector)>();
            foreach (var op in ops)
            {
                if (op < 2 || held.Count == 0)
                {
                    var v = m.Alloc([0, 1], false, out var cpu);
                    if (v >= 0)
                    {
                        Assert.DoesNotContain((cpu, v), held);
                        Assert.NotEqual(0x80, v);
                        held.Add((cpu, v));
                    }
                }
                else
                {
                    var (c, v) = held[^1];
                    held.RemoveAt(held.Count - 1);
                    Assert.True(m.Free(c, v, false));
                }

                for (var c = 0; c < 2; c++)
                {
                    Assert.Equal(0xec - 0x20 - 1, m.Available(c) + m.Allocated(c));
                }

                Assert.Equal(held.Count, m.TotalAllocated);
            }
        }, seed: "0N0XIzNsQ0O2");
    }
}
