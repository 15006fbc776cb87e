using CsCheck;
using IrqLab.Kernel.Irq;
using Xunit;

namespace IrqLab.Tests.Kernel;

/// <summary>
/// vector_irq is a per-CPU array (arch/x86/kernel/irq.c: DEFINE_PER_CPU(vector_irq_t, vector_irq)): the model keeps
/// every CPU's slots in one CPU-major table, and a write on one CPU's vector must never show on another slot.
/// </summary>
public sealed class VectorIrqTableTests
{
    [Fact]
    public void Tables_sharing_one_array_keep_each_cpu_and_vector_apart()
    {
        const int Cpus = 4;
        Gen.Select(Gen.Int[0, Cpus - 1], Gen.Int[0, 255], Gen.Int[0, 3]).Array[1, 300].Sample(ops =>
        {
            var shared = new IrqDesc?[Cpus * 256];
            var tables = Enumerable.Range(0, Cpus).Select(c => new VectorIrqTable(shared, c * 256)).ToArray();
            var descs = Enumerable.Range(0, 4).Select(i => new IrqDesc(i, Cpus, IrqChipKind.PciMsiX, "PCI-MSIX", i, true, IrqFlow.Edge, "edge")).ToArray();
            var expected = new Dictionary<(int, int), (VectorIrqKind, IrqDesc?)>();
            foreach (var (cpu, vector, what) in ops)
            {
                if (what < 2)
                {
                    tables[cpu].SetDesc(vector, descs[what]);
                    expected[(cpu, vector)] = (VectorIrqKind.Desc, descs[what]);
                }
                else
                {
                    var kind = what == 2 ? VectorIrqKind.Shutdown : VectorIrqKind.Unused;
                    tables[cpu].SetSentinel(vector, kind);
                    expected[(cpu, vector)] = (kind, null);
                }
            }

            for (var cpu = 0; cpu < Cpus; cpu++)
            {
                for (var v = 0; v < 256; v++)
                {
                    var (kind, desc) = expected.GetValueOrDefault((cpu, v), (VectorIrqKind.Unused, null));
                    Assert.Equal(kind, tables[cpu].KindOf(v));
                    Assert.Same(desc, tables[cpu].DescOf(v));
                    Assert.Same(desc, shared[(cpu * 256) + v]);
                }
            }
        });
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(256)]
    public void A_vector_outside_0_to_255_is_refused(int vector)
    {
        var table = new VectorIrqTable(new IrqDesc?[512], 256);
        Assert.Throws<ArgumentOutOfRangeException>(() => table.DescOf(vector));
    }

    [Fact]
    public void A_table_needs_256_slots_of_the_shared_array()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new VectorIrqTable(new IrqDesc?[300], 100));
    }
}
