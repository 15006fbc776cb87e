using IrqLab.Kernel;
using IrqLab.Kernel.Irq;
using IrqLab.Scenarios.Model;
using Xunit;

namespace IrqLab.Tests.Kernel;

/// <summary>note_interrupt() "nobody cared" detection (kernel/irq/spurious.c; linux-dispatch.md §4.4, §7.2).</summary>
public sealed class SpuriousDetectorTests
{
    private static (KernelModel Model, FakePlatform P, IrqDesc Desc) Storm(HandlerReturn returns)
    {
        var model = K.Model(out var p);
        model.RequestIrq(K.Pin(1, "ata0", 16, level: true, returns: returns) with { HandlerSymbol = "ata_bmdma_interrupt" });
        var d = model.DescAt(16)!;
        p.Tmr.Add((d.Cpu, d.Vector));
        return (model, p, d);
    }

    private static void Fire(KernelModel model, IrqDesc d, int n)
    {
        for (var i = 0; i < n; i++)
        {
            model.ExternalInterrupt(d.Cpu, d.Vector, EntryRoute.Idt);
        }
    }

    [Fact]
    public void Disabled_exactly_at_the_100000th_unhandled_interrupt_not_one_earlier()
    {
        var (model, p, d) = Storm(HandlerReturn.None);
        Fire(model, d, 99_999);
        Assert.False(d.Disabled);
        Assert.Empty(p.Logs);
        Fire(model, d, 1);
        Assert.True(d.Disabled);
        Assert.Equal(1, d.Depth);
        Assert.True((d.State & IrqStateFlags.SpuriousDisabled) != 0);
        Assert.Equal(
            [
                (KernelLogLevel.Err, "irq 16: nobody cared (try booting with the \"irqpoll\" option)"),
                (KernelLogLevel.Err, "handlers:"),
                (KernelLogLevel.Err, $"[<{KernelSymbols.HashedPointer("ata_bmdma_interrupt")}>] ata_bmdma_interrupt"),
                (KernelLogLevel.Emerg, "Disabling IRQ #16"),
            ],
            p.Logs.Select(l => (l.Level, l.Text)));
        Assert.Matches("^\\[<00000000[0-9a-f]{8}>\\] ata_bmdma_interrupt$", p.Logs[2].Text);
    }

    [Fact]
    public void After_the_trip_the_next_interrupt_masks_the_line_lazy_disable()
    {
        var (model, p, d) = Storm(HandlerReturn.None);
        Fire(model, d, 100_000);
        Assert.False(d.Masked);
        Fire(model, d, 1);
        Assert.True(d.Masked);
        Assert.Contains("ioapic.mask 0 16 True", p.Calls);
        Assert.Equal(100_000UL, d.KstatSum());
    }

    [Fact]
    public void Exactly_99900_unhandled_in_the_window_does_not_trip()
    {
        var (model, p, d) = Storm(HandlerReturn.None);
        Fire(model, d, 99_900);
        model.SetHandlerReturn(1, HandlerReturn.Handled);
        Fire(model, d, 100);
        Assert.False(d.Disabled);
        Assert.Equal(0, d.IrqCount);
        Assert.Equal(0, d.IrqsUnhandled);
        Assert.Empty(p.Logs);
    }

    [Fact]
    public void Unhandled_99901_in_the_window_trips()
    {
        var (model, _, d) = Storm(HandlerReturn.None);
        Fire(model, d, 99_901);
        model.SetHandlerReturn(1, HandlerReturn.Handled);
        Fire(model, d, 98);
        Assert.False(d.Disabled);
        Fire(model, d, 1);
        Assert.True(d.Disabled);
    }

    [Fact]
    public void Unhandled_more_than_HZ_over_10_apart_restart_the_count()
    {
        var (model, p, d) = Storm(HandlerReturn.None);
        for (var i = 0; i < 5; i++)
        {
            p.NowNs = i * 101_000_000L; // 101 ms apart: time_after(jiffies, last_unhandled + HZ/10)
            Fire(model, d, 1);
            Assert.Equal(1, d.IrqsUnhandled);
        }

        p.NowNs += 100_000_000L; // exactly HZ/10 later: still counts on
        Fire(model, d, 1);
        Assert.Equal(2, d.IrqsUnhandled);
    }

    [Fact]
    public void Healthy_irq_never_enters_the_window()
    {
        var (model, _, d) = Storm(HandlerReturn.Handled);
        Fire(model, d, 1000);
        Assert.Equal(0, d.IrqCount);
    }

    [Fact]
    public void Threaded_irq_is_deferred_once_then_judged_handled_by_threads_handled_spurious_c_note_interrupt()
    {
        // note_interrupt(): the first IRQ_WAKE_THREAD only sets SPURIOUS_DEFERRED; each later one compares
        // threads_handled with threads_handled_last, and the thread_fn ran (IRQ_HANDLED) in between.
        var (model, p, d) = Storm(HandlerReturn.WakeThread);
        Fire(model, d, 1);
        Assert.Equal(0, d.IrqsUnhandled);
        Assert.NotEqual(0u, d.ThreadsHandledLast & 0x80000000u);
        Fire(model, d, 100_000);
        Assert.Equal(0, d.IrqsUnhandled);
        Assert.False(d.Disabled);
        Assert.Empty(p.Logs);
        Assert.Equal(d.ThreadsHandled | 0x80000000u, d.ThreadsHandledLast);
    }
}
