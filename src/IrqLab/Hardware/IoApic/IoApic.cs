namespace IrqLab.Hardware.IoApic;

/// <summary>
/// An I/O APIC (82093AA version 0x11, or PCH version 0x20 with the EOI register): N input pins, one redirection
/// entry each, that turn pin assertions into <see cref="InterruptMessage"/> values sent into an
/// <see cref="IInterruptSink"/> (shared/reference/x86-events.md §4).
/// </summary>
/// <remarks>
/// <para><b>Model notes.</b></para>
/// <list type="bullet">
/// <item>Each pin keeps its electrical level; the RTE polarity bit decides whether that level is "asserted"
/// (KVM kvm_ioapic_set_irq: <c>irq_level ^= polarity</c>). Changing the polarity bit re-evaluates the input. A pin
/// never driven by <see cref="SetPinLevel"/> rests at its inactive level (as a pulled-up PCI INTx line), so programming
/// an active-low RTE does not by itself raise an interrupt.</item>
/// <item>Edge: an asserting transition on an unmasked pin sends one message. Edges on a masked pin are dropped
/// (82093AA datasheet, as QEMU ioapic_set_irq notes) and counted in <see cref="MaskedCount"/>.</item>
/// <item>Level: the internal IRR latch follows the asserted line. The pin sends when latched, unmasked and remote IRR
/// is 0, then sets remote IRR. EOI (broadcast or the v0x20 EOI register) clears remote IRR of every level entry
/// with that vector and re-sends at once if the line is still asserted (QEMU ioapic_eoi_broadcast).
/// Unmasking (an RTE write) while asserted sends.</item>
/// <item>Only fixed and lowest-priority entries are level-sensitive: NMI and INIT are treated as edge even when
/// programmed level, SMI and ExtINT require edge (82093AA datasheet §3.2.4), so they never set remote IRR.</item>
/// <item>Writing an RTE as edge clears its remote IRR (QEMU ioapic_fix_edge_remote_irr, used by Linux's
/// mask/edge/level EOI trick on IOAPICs without an EOI register).</item>
/// <item>Delivery is synchronous: delivery status (bit 12) reads 1 only while the sink is running. Re-entrant calls
/// from inside the sink are queued and served after it returns, never by recursion. After
/// <see cref="SuccessiveEoiLimit"/> EOI re-deliveries in a row a pin is deferred (QEMU SUCCESSIVE_IRQ_MAX_COUNT
/// defers by 10 ms) and the host calls <see cref="ServiceDeferred"/> later; a limit of 0 (IrqLab's simulator) re-sends
/// at once as the hardware does.</item>
/// <item>Accounting: every assertion ends as delivered, coalesced (edge while its message is in flight; level while
/// remote IRR is set), masked (edge on a masked pin), rejected (edge on a reserved delivery mode), withdrawn (level
/// deasserted before it could be sent) or stays pending (<see cref="PendingCount"/>):
/// <c>AssertionCount == DeliveredCount - RedeliveredCount + CoalescedCount + MaskedCount + RejectedCount +
/// WithdrawnCount + PendingCount</c>.</item>
/// <item>Not modelled: the 82093AA 4-bit physical destination limit, the APIC serial bus, the pin assertion
/// register, remappable-format RTEs (they are sent as compatibility-format messages).</item>
/// </list>
/// </remarks>
public sealed class IoApic
{
    /// <summary>Successive EOI re-deliveries of one pin after which the re-delivery is deferred (QEMU value).</summary>
    public const int SuccessiveEoiLimit = 10000;

    /// <summary>MMIO offset of IOREGSEL.</summary>
    public const uint IoRegSelOffset = 0x00;

    /// <summary>MMIO offset of IOWIN.</summary>
    public const uint IoWinOffset = 0x10;

    /// <summary>MMIO offset of the EOI register (version 0x20 only).</summary>
    public const uint EoiOffset = 0x40;

    /// <summary>Register index of IOAPICID.</summary>
    public const byte IdIndex = 0x00;

    /// <summary>Register index of IOAPICVER.</summary>
    public const byte VersionIndex = 0x01;

    /// <summary>Register index of IOAPICARB.</summary>
    public const byte ArbitrationIndex = 0x02;

    /// <summary>Register index of the low dword of redirection entry 0.</summary>
    public const byte RedirectionBaseIndex = 0x10;

    private const int MaxPins = 120;

    /// <summary>Largest IOAPIC ID: the ID field of the IOAPICID register is 4 bits wide (bits 27:24, 82093AA datasheet §3.2.1).</summary>
    public const int MaxId = 15;

    private readonly IInterruptSink _sink;
    private readonly ulong[] _entries;
    private readonly bool[] _lineHigh;
    private readonly bool[] _driven;
    private readonly bool[] _irr;
    private readonly bool[] _unaccounted;
    private readonly bool[] _needsService;
    private readonly bool[] _deferred;
    private readonly int[] _successiveEoi;
    private byte _ioRegSel;
    private int _id;
    private readonly int _successiveEoiLimit;
    private readonly bool _extendedDestinationId;
    private bool _servicing;
    private bool _serviceRequested;

    /// <summary>Creates an IOAPIC with every RTE masked and every line undriven (resting at its inactive level).</summary>
    /// <param name="id">IOAPIC ID, 0..<see cref="MaxId"/> (IOAPICID bits 27:24).</param>
    /// <param name="pins">Number of input pins, 1..120 (24 on the 82093AA).</param>
    /// <param name="sink">Where messages go (normally the interrupt bus).</param>
    /// <param name="version">0x11 (82093AA) or 0x20 (PCH, with the EOI register at 0x40).</param>
    /// <param name="successiveEoiLimit">EOI re-deliveries in a row after which a pin is deferred, as QEMU does to
    /// survive interrupt storms; 0 re-sends at once every time, as the hardware does.</param>
    /// <param name="extendedDestinationId">RTE bits 55:49 supply APIC ID bits 14:8 (see <see cref="RedirectionEntry.ToMessage(bool)"/>).</param>
    public IoApic(int id, int pins, IInterruptSink sink, byte version = 0x20, int successiveEoiLimit = SuccessiveEoiLimit, bool extendedDestinationId = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(successiveEoiLimit);
        _successiveEoiLimit = successiveEoiLimit;
        _extendedDestinationId = extendedDestinationId;
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(id, MaxId);
        ArgumentOutOfRangeException.ThrowIfLessThan(pins, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pins, MaxPins);
        ArgumentNullException.ThrowIfNull(sink);
        _id = id;
        Pins = pins;
        Version = version;
        _sink = sink;
        _entries = new ulong[pins];
        _lineHigh = new bool[pins];
        _driven = new bool[pins];
        _irr = new bool[pins];
        _unaccounted = new bool[pins];
        _needsService = new bool[pins];
        _deferred = new bool[pins];
        _successiveEoi = new int[pins];
        Array.Fill(_entries, RedirectionEntry.MaskBit);
    }

    /// <summary>The IOAPIC ID (IOAPICID bits 27:24), writable through register 0.</summary>
    public int Id => _id;

    /// <summary>Number of input pins; IOAPICVER bits 23:16 read <c>Pins - 1</c>.</summary>
    public int Pins { get; }

    /// <summary>IOAPICVER bits 7:0: 0x11 or 0x20.</summary>
    public byte Version { get; }

    /// <summary>True for version 0x20 and later, which decode the EOI register at offset 0x40.</summary>
    public bool HasEoiRegister => Version >= 0x20;

    /// <summary>The current IOREGSEL value.</summary>
    public byte IoRegSel => _ioRegSel;

    /// <summary>Asserting transitions seen on all pins (including RTE writes that made a held line asserted).</summary>
    public long AssertionCount { get; private set; }

    /// <summary>Messages sent into the sink (first deliveries and re-deliveries).</summary>
    public long DeliveredCount { get; private set; }

    /// <summary>Messages that re-sent a level assertion already accounted for (after EOI while still asserted).</summary>
    public long RedeliveredCount { get; private set; }

    /// <summary>Assertions merged into a message already outstanding (edge in flight, level with remote IRR set).</summary>
    public long CoalescedCount { get; private set; }

    /// <summary>Edge assertions dropped because the pin was masked (82093AA behaviour).</summary>
    public long MaskedCount { get; private set; }

    /// <summary>Edge assertions dropped because the RTE holds a reserved delivery mode (011 or 110).</summary>
    public long RejectedCount { get; private set; }

    /// <summary>Level assertions that were deasserted (or turned into edge entries) before they could be sent.</summary>
    public long WithdrawnCount { get; private set; }

    /// <summary>Assertions not yet delivered: level lines held while masked or behind remote IRR, deferred pins.</summary>
    public int PendingCount
    {
        get
        {
            int count = 0;
            for (int pin = 0; pin < Pins; pin++)
            {
                if (_unaccounted[pin])
                {
                    count++;
                }
            }

            return count;
        }
    }

    /// <summary>True when at least one pin's re-delivery was deferred by the storm limit.</summary>
    public bool HasDeferred
    {
        get
        {
            for (int pin = 0; pin < Pins; pin++)
            {
                if (_deferred[pin])
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>MMIO write: IOREGSEL (0x00), IOWIN (0x10) or EOI (0x40, version 0x20 only).</summary>
    /// <param name="offset">Offset in the 4 KiB window.</param>
    /// <param name="value">The 32-bit value.</param>
    public IoApicAccessResult WriteMmio(uint offset, uint value)
    {
        switch (offset)
        {
            case IoRegSelOffset:
                _ioRegSel = (byte)value;
                return IoApicAccessResult.Ok;
            case IoWinOffset:
                return WriteIndirect(_ioRegSel, value);
            case EoiOffset when HasEoiRegister:
                BroadcastEoi((int)(value & 0xFF));
                return IoApicAccessResult.Ok;
            default:
                return IoApicAccessResult.Ignored;
        }
    }

    /// <summary>MMIO read: IOREGSEL (0x00) or IOWIN (0x10); anything else reads 0 and is ignored (EOI is write-only).</summary>
    /// <param name="offset">Offset in the 4 KiB window.</param>
    /// <param name="value">The value read.</param>
    public IoApicAccessResult ReadMmio(uint offset, out uint value)
    {
        switch (offset)
        {
            case IoRegSelOffset:
                value = _ioRegSel;
                return IoApicAccessResult.Ok;
            case IoWinOffset:
                value = ReadIndirect(_ioRegSel);
                return IoApicAccessResult.Ok;
            default:
                value = 0;
                return IoApicAccessResult.Ignored;
        }
    }

    /// <summary>Reads the register selected by <paramref name="index"/> (what IOWIN returns). Unknown indexes read 0.</summary>
    /// <param name="index">0 ID, 1 VER, 2 ARB, 0x10+2n / 0x11+2n RTE n low / high.</param>
    public uint ReadIndirect(byte index)
    {
        switch (index)
        {
            case IdIndex:
                return (uint)_id << 24;
            case VersionIndex:
                return Version | ((uint)(Pins - 1) << 16);
            case ArbitrationIndex:
                // The arbitration ID is loaded from the APIC ID (82093AA §3.2.3); QEMU reads it back as the ID.
                return (uint)_id << 24;
        }

        int pin = RedirectionPin(index);
        if (pin < 0)
        {
            return 0;
        }

        ulong raw = _entries[pin];
        return (index & 1) == 0 ? (uint)raw : (uint)(raw >> 32);
    }

    /// <summary>Writes the register selected by <paramref name="index"/>; read-only registers and bits are kept.</summary>
    /// <param name="index">0 ID, 1 VER (RO), 2 ARB (RO), 0x10+2n / 0x11+2n RTE n low / high.</param>
    /// <param name="value">The 32-bit value.</param>
    public IoApicAccessResult WriteIndirect(byte index, uint value)
    {
        if (index == IdIndex)
        {
            _id = (int)((value >> 24) & 0xF);
            return IoApicAccessResult.Ok;
        }

        int pin = RedirectionPin(index);
        if (pin < 0)
        {
            return IoApicAccessResult.Ignored;
        }

        ulong raw = _entries[pin];
        raw = (index & 1) == 0
            ? (raw & 0xFFFF_FFFF_0000_0000UL) | value
            : (raw & 0x0000_0000_FFFF_FFFFUL) | ((ulong)value << 32);
        SetEntry(pin, raw);
        return IoApicAccessResult.Ok;
    }

    /// <summary>The redirection entry of <paramref name="pin"/>.</summary>
    /// <param name="pin">0..Pins-1.</param>
    public RedirectionEntry GetEntry(int pin)
    {
        CheckPin(pin);
        return new RedirectionEntry(_entries[pin]);
    }

    /// <summary>
    /// Full 64-bit write of RTE <paramref name="pin"/>. Delivery status and remote IRR are kept (remote IRR is cleared
    /// when the entry is written as edge); a held asserted line is re-evaluated, so unmasking it sends.
    /// </summary>
    /// <param name="pin">0..Pins-1.</param>
    /// <param name="raw">The new 64-bit value.</param>
    public void SetEntry(int pin, ulong raw)
    {
        CheckPin(pin);
        ulong old = _entries[pin];
        ulong entry = (raw & ~RedirectionEntry.ReadOnlyBits) | (old & RedirectionEntry.ReadOnlyBits);
        bool oldLevel = IsLevelSensitive(old);
        bool newLevel = IsLevelSensitive(entry);
        if (!newLevel)
        {
            entry &= ~RedirectionEntry.RemoteIrrBit;
        }

        _entries[pin] = entry;
        _successiveEoi[pin] = 0;
        _deferred[pin] = false; // an RTE write services the pin at once (QEMU ioapic_mem_write calls ioapic_service)

        bool wasAsserted = IsAsserted(pin, old);
        bool isAsserted = IsAsserted(pin, entry);

        if (oldLevel && !newLevel)
        {
            // An edge entry only reacts to transitions: a held level request no longer exists.
            _irr[pin] = false;
            Withdraw(pin);
        }
        else if (!oldLevel && newLevel && isAsserted && wasAsserted)
        {
            // Switching a held line to level makes it a level request (unless an edge from it is still latched).
            _irr[pin] = true;
            if (!_unaccounted[pin])
            {
                CountNewAssertion(pin, entry);
            }
        }

        if (isAsserted != wasAsserted)
        {
            if (isAsserted)
            {
                Assert(pin, entry);
            }
            else
            {
                Deassert(pin, entry);
            }
        }

        ServicePin(pin);
    }

    /// <summary>
    /// Drives the pin's electrical level; the RTE polarity decides whether high means asserted. Allocation-free.
    /// </summary>
    /// <param name="pin">0..Pins-1.</param>
    /// <param name="electricalHigh">True for a high wire.</param>
    public void SetPinLevel(int pin, bool electricalHigh)
    {
        CheckPin(pin);
        ulong entry = _entries[pin];
        bool wasAsserted = IsAsserted(pin, entry);
        _lineHigh[pin] = electricalHigh;
        _driven[pin] = true;
        bool asserted = IsAsserted(pin, entry);
        if (asserted == wasAsserted)
        {
            return;
        }

        if (asserted)
        {
            Assert(pin, entry);
        }
        else
        {
            Deassert(pin, entry);
        }
    }

    /// <summary>
    /// The level the pin's wire has rested at since reset (a device's idle level when the machine is built). No
    /// transition reaches the pin, so an edge entry latches nothing (the 82093AA recognizes an edge-triggered input on its
    /// asserting transition); a level entry that reads the level as asserted takes it as a held request, as
    /// <see cref="SetPinLevel"/> does. Without this, an active-low line idling high under the reset RTE (active high,
    /// masked) would count as a masked edge that no device raised.
    /// </summary>
    /// <param name="pin">0..Pins-1.</param>
    /// <param name="electricalHigh">True for a high wire.</param>
    public void SetResetPinLevel(int pin, bool electricalHigh)
    {
        CheckPin(pin);
        if (IsLevelSensitive(_entries[pin]))
        {
            SetPinLevel(pin, electricalHigh);
            return;
        }

        _lineHigh[pin] = electricalHigh;
        _driven[pin] = true;
    }

    /// <summary>An edge: drives the pin to its asserted level, then back (an already asserted line only drops).</summary>
    /// <param name="pin">0..Pins-1.</param>
    public void PulsePin(int pin)
    {
        CheckPin(pin);
        bool assertedLevel = (_entries[pin] & RedirectionEntry.PolarityBit) == 0;
        SetPinLevel(pin, assertedLevel);
        SetPinLevel(pin, !assertedLevel);
    }

    /// <summary>The pin's electrical level (a pin never driven rests at its inactive level).</summary>
    /// <param name="pin">0..Pins-1.</param>
    public bool IsPinHigh(int pin)
    {
        CheckPin(pin);
        return _driven[pin] ? _lineHigh[pin] : (_entries[pin] & RedirectionEntry.PolarityBit) != 0;
    }

    /// <summary>True when the pin's input is asserted after the polarity of its RTE.</summary>
    /// <param name="pin">0..Pins-1.</param>
    public bool IsPinAsserted(int pin)
    {
        CheckPin(pin);
        return IsAsserted(pin, _entries[pin]);
    }

    /// <summary>
    /// EOI for <paramref name="vector"/> (LAPIC broadcast or the v0x20 EOI register): clears remote IRR of every level
    /// entry with that vector and re-sends the ones still asserted and unmasked (QEMU ioapic_eoi_broadcast).
    /// Allocation-free.
    /// </summary>
    /// <param name="vector">The vector whose level entries are released.</param>
    public void BroadcastEoi(int vector)
    {
        for (int pin = 0; pin < Pins; pin++)
        {
            ulong entry = _entries[pin];
            if ((int)(entry & 0xFF) != vector
                || !IsLevelSensitive(entry)
                || (entry & RedirectionEntry.RemoteIrrBit) == 0)
            {
                continue;
            }

            entry &= ~RedirectionEntry.RemoteIrrBit;
            _entries[pin] = entry;
            if (_irr[pin] && IsSendable(entry))
            {
                if (_successiveEoiLimit > 0 && ++_successiveEoi[pin] >= _successiveEoiLimit)
                {
                    _successiveEoi[pin] = 0;
                    _deferred[pin] = true;
                    continue;
                }

                ServicePin(pin);
            }
            else
            {
                _successiveEoi[pin] = 0;
            }
        }
    }

    /// <summary>Sends the re-deliveries the storm limit deferred (QEMU does this 10 ms later).</summary>
    public void ServiceDeferred()
    {
        for (int pin = 0; pin < Pins; pin++)
        {
            if (_deferred[pin])
            {
                _deferred[pin] = false;
                ServicePin(pin);
            }
        }
    }

    /// <summary>The pin's internal IRR latch (not architecturally visible; for invariant checks).</summary>
    internal bool IsLatched(int pin) => _irr[pin];

    /// <summary>True when the pin's current assertion has not been given a fate yet (counts in <see cref="PendingCount"/>).</summary>
    internal bool IsPending(int pin) => _unaccounted[pin];

    /// <summary>True when the pin's re-delivery waits for <see cref="ServiceDeferred"/>.</summary>
    internal bool IsDeferred(int pin) => _deferred[pin];

    /// <summary>
    /// Level-sensitive: the trigger-mode bit set on a fixed or lowest-priority entry (delivery mode 00x, so bits 10:9
    /// are 0). NMI and INIT are "treated as an edge triggered interrupt, even if programmed" level, and SMI and ExtINT
    /// require edge (82093AA datasheet §3.2.4, IOREDTBL delivery mode): such an entry never sets remote IRR, which no
    /// EOI would clear (they reach no ISR), and sends once per asserting edge.
    /// </summary>
    private static bool IsLevelSensitive(ulong entry) =>
        (entry & (RedirectionEntry.TriggerModeBit | (6UL << 8))) == RedirectionEntry.TriggerModeBit;

    private static bool IsSendable(ulong entry) =>
        (entry & RedirectionEntry.MaskBit) == 0 && ((entry >> 8) & 7) is not (3 or 6);

    private bool IsAsserted(int pin, ulong entry) =>
        _driven[pin] && (_lineHigh[pin] ^ ((entry & RedirectionEntry.PolarityBit) != 0));

    private bool IsSending(int pin) => (_entries[pin] & RedirectionEntry.DeliveryStatusBit) != 0;

    private int RedirectionPin(byte index)
    {
        if (index < RedirectionBaseIndex)
        {
            return -1;
        }

        int pin = (index - RedirectionBaseIndex) >> 1;
        return pin < Pins ? pin : -1;
    }

    private void CheckPin(int pin)
    {
        if ((uint)pin >= (uint)Pins)
        {
            throw new ArgumentOutOfRangeException(nameof(pin));
        }
    }

    private void CountNewAssertion(int pin, ulong entry)
    {
        AssertionCount++;
        if (_unaccounted[pin] || (entry & RedirectionEntry.RemoteIrrBit) != 0)
        {
            CoalescedCount++;
        }
        else
        {
            _unaccounted[pin] = true;
        }
    }

    private void Assert(int pin, ulong entry)
    {
        if (IsLevelSensitive(entry))
        {
            _irr[pin] = true;
            CountNewAssertion(pin, entry);
            ServicePin(pin);
            return;
        }

        AssertionCount++;
        if ((entry & RedirectionEntry.MaskBit) != 0)
        {
            MaskedCount++;
        }
        else if (!IsSendable(entry))
        {
            RejectedCount++;
        }
        else if (_irr[pin])
        {
            CoalescedCount++;
        }
        else
        {
            _irr[pin] = true;
            _unaccounted[pin] = true;
            ServicePin(pin);
        }
    }

    private void Deassert(int pin, ulong entry)
    {
        if (IsLevelSensitive(entry))
        {
            _irr[pin] = false;
            _deferred[pin] = false;
            Withdraw(pin);
        }
    }

    private void Withdraw(int pin)
    {
        if (_unaccounted[pin])
        {
            _unaccounted[pin] = false;
            WithdrawnCount++;
        }
    }

    private void ServicePin(int pin)
    {
        if (_servicing)
        {
            _needsService[pin] = true;
            _serviceRequested = true;
            return;
        }

        _servicing = true;
        try
        {
            TrySend(pin);
            while (_serviceRequested)
            {
                _serviceRequested = false;
                for (int p = 0; p < Pins; p++)
                {
                    if (_needsService[p])
                    {
                        _needsService[p] = false;
                        TrySend(p);
                    }
                }
            }
        }
        finally
        {
            _servicing = false;
        }
    }

    private void TrySend(int pin)
    {
        ulong entry = _entries[pin];
        if (!_irr[pin] || !IsSendable(entry) || _deferred[pin])
        {
            return;
        }

        bool level = IsLevelSensitive(entry);
        if (level)
        {
            if ((entry & RedirectionEntry.RemoteIrrBit) != 0)
            {
                return;
            }

            entry |= RedirectionEntry.RemoteIrrBit;
        }

        _entries[pin] = entry | RedirectionEntry.DeliveryStatusBit;
        DeliveredCount++;
        if (_unaccounted[pin])
        {
            _unaccounted[pin] = false;
        }
        else
        {
            RedeliveredCount++;
        }

        var message = new RedirectionEntry(entry).ToMessage(_extendedDestinationId);
        _sink.Deliver(in message);

        // The sink may have rewritten the RTE or moved the line: derive the latch from the entry as it is now.
        ulong now = _entries[pin] & ~RedirectionEntry.DeliveryStatusBit;
        _entries[pin] = now;
        _irr[pin] = IsLevelSensitive(now) && IsAsserted(pin, now);
    }
}
