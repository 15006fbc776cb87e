using CsCheck;
using IrqLab.Hardware;
using IrqLab.Hardware.Msi;
using IrqLab.Tests.Hardware.IoApic;
using Xunit;

namespace IrqLab.Tests.Hardware.Msi;

/// <summary>MSI-X table, vector control mask, function mask and Pending Bit Array: shared/reference/x86-events.md §6.3 (PCIe base spec, MSI-X).</summary>
public sealed class MsiXTableTests
{
    private static (MsiXTable Table, MessageRecorder Sink) Create(int entries = 4)
    {
        var sink = new MessageRecorder();
        var table = new MsiXTable(entries, sink);
        for (int i = 0; i < entries; i++)
        {
            table.SetEntry(i, MsiMessage.Compose((uint)i, 0x40 + i));
        }

        return (table, sink);
    }

    [Fact]
    public void Entries_are_masked_at_reset_PCIe_vector_control_bit_0()
    {
        var table = new MsiXTable(3, new MessageRecorder());
        for (int i = 0; i < table.Count; i++)
        {
            Assert.True(table.IsMasked(i));
            Assert.False(table.IsPending(i));
            Assert.Equal(default, table.GetEntry(i));
        }

        Assert.False(table.FunctionMasked);
    }

    [Fact]
    public void Unmasked_entry_sends_its_decoded_message_reference_6_3()
    {
        var (table, sink) = Create();
        table.SetMasked(2, false);
        Assert.Equal(MsiDecodeError.None, table.Fire(2));
        Assert.Equal(InterruptMessage.FixedTo(2, 0x42), sink.Last);
        Assert.False(table.IsPending(2));
    }

    [Fact]
    public void Masked_entry_latches_the_pending_bit_and_sends_once_on_unmask_reference_6_3()
    {
        var (table, sink) = Create();
        Assert.Equal(MsiDecodeError.None, table.Fire(1));
        Assert.Equal(MsiDecodeError.None, table.Fire(1)); // merged into the same pending bit
        Assert.Equal(0, sink.Count);
        Assert.True(table.IsPending(1));
        Assert.Equal(0b10UL, table.ReadPba(0));
        Assert.Equal(1, table.LatchedCount);
        Assert.Equal(1, table.CoalescedCount);

        table.SetEntry(1, MsiMessage.Compose(5, 0x55)); // reprogrammed while masked: the new message is used
        table.SetMasked(1, false);
        Assert.Equal([InterruptMessage.FixedTo(5, 0x55)], sink.Messages);
        Assert.False(table.IsPending(1));
        table.SetMasked(1, true);
        table.SetMasked(1, false);
        Assert.Equal(1, sink.Count);
    }

    [Fact]
    public void Function_mask_latches_every_entry_and_clearing_it_sends_the_unmasked_pending_ones_reference_6_3()
    {
        var (table, sink) = Create();
        table.SetMasked(0, false);
        table.SetMasked(3, false);
        table.FunctionMasked = true;
        table.Fire(0);
        table.Fire(3);
        Assert.Equal(0, sink.Count);
        table.SetMasked(2, false);       // entry unmasked but function still masked: still pending-only
        table.Fire(2);
        table.SetMasked(2, true);        // masked again before the function mask drops
        table.FunctionMasked = false;
        Assert.Equal([InterruptMessage.FixedTo(0, 0x40), InterruptMessage.FixedTo(3, 0x43)], sink.Messages);
        Assert.True(table.IsPending(2));
        table.SetMasked(2, false);
        Assert.Equal(3, sink.Count);
    }

    [Fact]
    public void Fire_returns_the_decode_error_and_sends_nothing_reference_6_4()
    {
        var (table, sink) = Create();
        table.SetEntry(0, new MsiMessage(0xFEE0_0010, 0x41)); // remappable format
        table.SetMasked(0, false);
        Assert.Equal(MsiDecodeError.RemappableFormat, table.Fire(0));
        Assert.Equal(0, sink.Count);
        Assert.Equal(1, table.DecodeErrorCount);
    }

    [Fact]
    public void PBA_qwords_hold_64_entries_each_PCIe_MSIX_pending_bit_array()
    {
        var (table, _) = Create(70);
        table.Fire(65);
        Assert.Equal(0UL, table.ReadPba(0));
        Assert.Equal(0b10UL, table.ReadPba(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => table.ReadPba(2));
    }

    public readonly record struct Op(int Kind, int Index, bool Flag);

    [Fact]
    public void Every_fire_is_delivered_latched_coalesced_or_refused_property()
    {
        var gen = Gen.Select(Gen.Int[0, 4], Gen.Int[0, 3], Gen.Bool, (k, i, f) => new Op(k, i, f)).Array[1, 60];
        gen.Sample(ops =>
        {
            var (table, sink) = Create();
            table.SetEntry(3, new MsiMessage(0xFEE0_0010, 0x43)); // one entry that never decodes
            foreach (var op in ops)
            {
                switch (op.Kind)
                {
                    case 0:
                    case 1:
                        // PCIe MSI-X (Function Mask and per-vector Mask): a masked vector's event sets its Pending bit
                        // instead of sending; an unmasked one sends its message now. Checked against the sink and the
                        // PBA, not against the table's own counters (which balance by construction).
                        var masked = table.IsMasked(op.Index) || table.FunctionMasked;
                        var sent = sink.Count;
                        table.Fire(op.Index);
                        if (masked)
                        {
                            Assert.True(table.IsPending(op.Index), $"masked entry {op.Index} fired without its pending bit");
                            Assert.Equal(sent, sink.Count);
                        }
                        else
                        {
                            Assert.False(table.IsPending(op.Index));
                            Assert.Equal(op.Index == 3 ? sent : sent + 1, sink.Count); // entry 3 never decodes
                        }

                        break;
                    case 2:
                        table.SetMasked(op.Index, op.Flag);
                        break;
                    default:
                        table.FunctionMasked = op.Flag;
                        break;
                }

                int pending = 0;
                for (int i = 0; i < table.Count; i++)
                {
                    pending += table.IsPending(i) ? 1 : 0;
                    Assert.False(table.IsPending(i) && !table.IsMasked(i) && !table.FunctionMasked);
                }

                Assert.Equal(sink.Count, table.DeliveredCount);
                Assert.Equal(
                    table.FireCount,
                    table.DeliveredCount - table.PendingDeliveredCount + table.LatchedCount + table.CoalescedCount
                        + table.DecodeErrorCount - table.PendingDecodeErrorCount);
                Assert.Equal(pending, table.LatchedCount - table.PendingDeliveredCount - table.PendingDecodeErrorCount);
            }
        }, iter: 300, threads: 1);
    }
}
