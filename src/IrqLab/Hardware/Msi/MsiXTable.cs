namespace IrqLab.Hardware.Msi;

/// <summary>
/// An MSI-X table with its Pending Bit Array: per-entry message and mask bit, the function mask, and the pending bits
/// a masked entry latches (PCI Local Bus / PCIe base spec, MSI-X; shared/reference/x86-events.md §6.3).
/// </summary>
/// <remarks>
/// <para><b>Model notes.</b></para>
/// <list type="bullet">
/// <item>Reset: every entry masked (vector control bit 0 = 1), message 0, pending bits clear, function mask clear.</item>
/// <item><see cref="Fire"/> on an unmasked entry (entry mask and function mask clear) decodes the entry's current
/// message and sends it at once; on a masked entry it sets the pending bit instead. A second fire while pending is
/// merged (<see cref="CoalescedCount"/>): the PBA holds one bit per entry.</item>
/// <item>Unmasking (the entry, or clearing the function mask) sends each pending, now unmasked entry once, with the
/// message programmed at that time, and clears its pending bit.</item>
/// <item>A message that does not decode (see <see cref="MsiDecodeError"/>) is not sent and is counted in
/// <see cref="DecodeErrorCount"/>; on real hardware it would be a memory write elsewhere or a DMAR fault.</item>
/// <item>Accounting: <c>FireCount == DeliveredCount - PendingDeliveredCount + LatchedCount + CoalescedCount +
/// DecodeErrorCount - PendingDecodeErrorCount</c>, and the pending bits equal <c>LatchedCount -
/// PendingDeliveredCount - PendingDecodeErrorCount</c>.</item>
/// <item>Not modelled: the table's MMIO layout in a BAR, the device clearing a pending bit on its own.</item>
/// </list>
/// </remarks>
public sealed class MsiXTable
{
    private const int MaxEntries = 2048;

    private readonly IInterruptSink _sink;
    private readonly bool _extendedDestinationId;
    private readonly MsiMessage[] _messages;
    private readonly bool[] _masked;
    private readonly bool[] _pending;
    private bool _functionMasked;

    /// <summary>Creates a table in its reset state (all entries masked).</summary>
    /// <param name="entries">Table size, 1..2048 (Message Control bits 10:0 + 1).</param>
    /// <param name="sink">Where decoded messages go (normally the interrupt bus).</param>
    /// <param name="extendedDestinationId">The platform decodes address bits 11:5 as APIC ID bits 14:8 (KVM's
    /// KVM_FEATURE_MSI_EXT_DEST_ID, which Linux uses as <c>virt_destid_8_14</c>); see <see cref="MsiMessage.TryDecode(bool, out InterruptMessage)"/>.</param>
    public MsiXTable(int entries, IInterruptSink sink, bool extendedDestinationId = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(entries, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(entries, MaxEntries);
        ArgumentNullException.ThrowIfNull(sink);
        _sink = sink;
        _extendedDestinationId = extendedDestinationId;
        _messages = new MsiMessage[entries];
        _masked = new bool[entries];
        _pending = new bool[entries];
        Array.Fill(_masked, true);
    }

    /// <summary>Number of table entries.</summary>
    public int Count => _messages.Length;

    /// <summary>Message Control bit 14: masks every entry of the function; clearing it sends the pending ones.</summary>
    public bool FunctionMasked
    {
        get => _functionMasked;
        set
        {
            _functionMasked = value;
            if (!value)
            {
                for (int index = 0; index < _messages.Length; index++)
                {
                    SendPending(index);
                }
            }
        }
    }

    /// <summary>Calls to <see cref="Fire"/>.</summary>
    public long FireCount { get; private set; }

    /// <summary>Messages sent into the sink (directly or on unmask).</summary>
    public long DeliveredCount { get; private set; }

    /// <summary>Messages sent on unmask from a pending bit.</summary>
    public long PendingDeliveredCount { get; private set; }

    /// <summary>Fires that set a pending bit because the entry or function was masked.</summary>
    public long LatchedCount { get; private set; }

    /// <summary>Fires merged into a pending bit that was already set.</summary>
    public long CoalescedCount { get; private set; }

    /// <summary>Messages not sent because they did not decode (direct fires and pending sends).</summary>
    public long DecodeErrorCount { get; private set; }

    /// <summary>Pending bits whose message did not decode when they were sent on unmask.</summary>
    public long PendingDecodeErrorCount { get; private set; }

    /// <summary>Programs entry <paramref name="index"/>'s address and data (the vector control is separate).</summary>
    /// <param name="index">0..Count-1.</param>
    /// <param name="message">The address/data pair.</param>
    public void SetEntry(int index, MsiMessage message)
    {
        CheckIndex(index);
        _messages[index] = message;
    }

    /// <summary>Entry <paramref name="index"/>'s address and data.</summary>
    /// <param name="index">0..Count-1.</param>
    public MsiMessage GetEntry(int index)
    {
        CheckIndex(index);
        return _messages[index];
    }

    /// <summary>Writes vector control bit 0; unmasking a pending entry (function unmasked) sends it and clears pending.</summary>
    /// <param name="index">0..Count-1.</param>
    /// <param name="masked">The new mask bit.</param>
    public void SetMasked(int index, bool masked)
    {
        CheckIndex(index);
        _masked[index] = masked;
        if (!masked)
        {
            SendPending(index);
        }
    }

    /// <summary>Vector control bit 0 of entry <paramref name="index"/>.</summary>
    /// <param name="index">0..Count-1.</param>
    public bool IsMasked(int index)
    {
        CheckIndex(index);
        return _masked[index];
    }

    /// <summary>The entry's bit in the Pending Bit Array.</summary>
    /// <param name="index">0..Count-1.</param>
    public bool IsPending(int index)
    {
        CheckIndex(index);
        return _pending[index];
    }

    /// <summary>Reads one 64-bit qword of the Pending Bit Array (entries 64q .. 64q+63).</summary>
    /// <param name="qword">0..(Count-1)/64.</param>
    public ulong ReadPba(int qword)
    {
        if ((uint)qword > (uint)((_messages.Length - 1) >> 6))
        {
            throw new ArgumentOutOfRangeException(nameof(qword));
        }

        ulong bits = 0;
        int first = qword << 6;
        int last = Math.Min(first + 64, _messages.Length);
        for (int index = first; index < last; index++)
        {
            if (_pending[index])
            {
                bits |= 1UL << (index - first);
            }
        }

        return bits;
    }

    /// <summary>
    /// The device signals entry <paramref name="index"/>: masked → pending bit set (returns None); unmasked → the
    /// message is decoded and sent, or the decode error is returned. Allocation-free.
    /// </summary>
    /// <param name="index">0..Count-1.</param>
    public MsiDecodeError Fire(int index)
    {
        CheckIndex(index);
        FireCount++;
        if (_masked[index] || _functionMasked)
        {
            if (_pending[index])
            {
                CoalescedCount++;
            }
            else
            {
                _pending[index] = true;
                LatchedCount++;
            }

            return MsiDecodeError.None;
        }

        return Send(index);
    }

    private void SendPending(int index)
    {
        if (!_pending[index] || _masked[index] || _functionMasked)
        {
            return;
        }

        _pending[index] = false;
        if (Send(index) == MsiDecodeError.None)
        {
            PendingDeliveredCount++;
        }
        else
        {
            PendingDecodeErrorCount++;
        }
    }

    private MsiDecodeError Send(int index)
    {
        MsiDecodeError error = _messages[index].TryDecode(_extendedDestinationId, out InterruptMessage message);
        if (error != MsiDecodeError.None)
        {
            DecodeErrorCount++;
            return error;
        }

        DeliveredCount++;
        _sink.Deliver(in message);
        return MsiDecodeError.None;
    }

    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)_messages.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(index));
        }
    }
}
