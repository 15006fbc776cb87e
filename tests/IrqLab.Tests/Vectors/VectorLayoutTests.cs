using IrqLab.Vectors;
using Xunit;

namespace IrqLab.Tests.Vectors;

/// <summary>Facts from arch/x86/include/asm/irq_vectors.h per version (shared/reference/linux-dispatch.md §1.2-1.3).</summary>
public sealed class VectorLayoutTests
{
    [Theory]
    [InlineData(KernelVersion.V6_1, 0xec, 20)]
    [InlineData(KernelVersion.V6_6, 0xec, 20)]
    [InlineData(KernelVersion.V6_9, 0xec, 20)]
    [InlineData(KernelVersion.V6_10, 0xeb, 21)]
    [InlineData(KernelVersion.Latest, 0xeb, 21)]
    public void FirstSystemVector_and_NrSystemVectors_per_version_irq_vectors_h(KernelVersion version, int first, int count)
    {
        var layout = VectorLayout.For(version);
        Assert.Equal(first, layout.FirstSystemVector);
        Assert.Equal(count, layout.NrSystemVectors);
        Assert.Equal(first - 0x20, layout.NrExternalVectors);
    }

    [Fact]
    public void Without_X86_LOCAL_APIC_FIRST_SYSTEM_VECTOR_is_NR_VECTORS_irq_vectors_h()
    {
        var layout = VectorLayout.For(KernelVersion.V6_10, localApic: false);
        Assert.Equal(256, layout.FirstSystemVector);
        Assert.Equal(0, layout.NrSystemVectors);
    }

    [Theory]
    [InlineData(KernelVersion.V6_1, true)]
    [InlineData(KernelVersion.V6_6, false)]
    [InlineData(KernelVersion.Latest, false)]
    public void IRQ_MOVE_CLEANUP_VECTOR_only_before_6_6_commit_bdc1dad299bb(KernelVersion version, bool present)
    {
        var layout = VectorLayout.For(version);
        Assert.Equal(present, layout.MoveCleanupVector is not null);
        Assert.Equal(present ? VectorKind.Cleanup : VectorKind.Device, layout.KindOf(0x20, ia32Emulation: true));
    }

    [Theory]
    [InlineData(KernelVersion.V6_1, 0xf5, null)]
    [InlineData(KernelVersion.V6_10, 0xf5, null)]
    [InlineData(KernelVersion.Latest, 0xf5, "sysvec_perf_guest_mediated_pmi_handler")]
    [InlineData(KernelVersion.V6_9, 0xeb, null)]
    [InlineData(KernelVersion.V6_10, 0xeb, "sysvec_posted_msi_notification")]
    [InlineData(KernelVersion.V6_1, 0xec, "sysvec_apic_timer_interrupt")]
    [InlineData(KernelVersion.V6_1, 0xfd, "sysvec_reschedule_ipi")]
    [InlineData(KernelVersion.V6_1, 0xef, null)]
    public void System_vector_handler_per_version_idtentry_h(KernelVersion version, int vector, string? handler)
    {
        Assert.Equal(handler, VectorLayout.For(version).GetSystemVector(vector)?.Handler);
    }

    [Fact]
    public void Exception_error_codes_follow_SDM_table_6_1()
    {
        int[] withErrorCode = [8, 10, 11, 12, 13, 14, 17, 21, 29, 30];
        for (var v = 0; v < 32; v++)
        {
            Assert.Equal(withErrorCode.Contains(v), ExceptionTable.Get(v).HasErrorCode);
        }
    }
}
