namespace IrqLab.Hardware.Pic;

/// <summary>
/// The PC's cascaded 8259A pair: master on ports 0x20/0x21, slave on 0xA0/0xA1 with its INT wired to master IR2,
/// ELCR on 0x4D0/0x4D1 (shared/reference/x86-events.md §5).
/// </summary>
/// <remarks>
/// <para><b>Model notes.</b></para>
/// <list type="bullet">
/// <item>Priority, INTA, EOI, rotation, special mask, SFNM, poll and ELCR follow the 8259A datasheet as modelled by
/// QEMU hw/intc/i8259.c (get_priority, pic_get_irq, pic_intack, pic_read_irq, pic_ioport_write/read), with one
/// datasheet rule QEMU and KVM leave out: in special mask mode a non-specific EOI (OCW2 001 or 101) skips IS bits that
/// are masked in IMR ("an IS bit that is masked by an IMR bit will not be cleared by a non-specific EOI if the 8259A is in
/// the Special Mask Mode").</item>
/// <item>Edge inputs set IRR on a rising input only; level inputs (ELCR bit or ICW1 LTIM) have IRR follow the line and
/// are not cleared by INTA. ELCR writable masks are 0xF8 (master) and 0xDE (slave): IRQ0, 1, 2, 8, 13 are edge.</item>
/// <item>The cascade is an edge input on master IR2 driven by the slave's INT output, so a second slave request seen
/// while the slave INT stays high is only presented after the slave INT drops and rises again (as in QEMU); the same holds
/// after the master's ICW1, which resets its edge sense (8259A datasheet, ICW1).</item>
/// <item>Spurious: if nothing qualifies at INTA the master returns base|7 without setting ISR7; if the master chose IR2
/// but the slave has nothing, the master sets ISR2 and the slave returns slave base|7 without ISR7 (QEMU pic_read_irq).
/// Both count in <see cref="SpuriousCount"/>.</item>
/// <item>An edge request stays latched in IRR after its line drops (QEMU pic_set_irq). The 8259A datasheet instead
/// asks the IR input to stay high until the first INTA and answers IR7 otherwise; here a spurious IRQ7 / IRQ15 comes
/// from a level input that dropped, a request masked before INTA, or the cascade case above.</item>
/// <item>Poll (OCW3 P=1) is per chip: the next read of that chip's A0=0 port acknowledges its best request and
/// returns 0x80 | IR (IR2 on the master for a slave request: poll the slave next), or 0.</item>
/// <item>The master passes the INTA of IR2 to the slave only in cascade mode with ICW3 bit 2 set (as the PC wiring and
/// every initialization have it); after an ICW1 with SNGL = 1, or an ICW3 without bit 2, IR2 is an ordinary input and
/// the master answers with its own vector base | 2 (8259A datasheet, ICW1 SNGL and ICW3; QEMU and KVM always
/// cascade). The slave's INT still drives IR2 (the wire is there), but the slave never sees that INTA.</item>
/// <item>Not modelled: 8080 mode (ICW1 ADI, ICW4 µPM = 0: 8086 vectors are always used), buffered mode, master ICW3
/// bits other than IR2 and slave ICW3 IDs other than 2 (the PC has one slave, on IR2), the PIC's own timing.</item>
/// </list>
/// </remarks>
public sealed class Pic8259Pair
{
    /// <summary>Master command port (A0 = 0).</summary>
    public const ushort MasterCommandPort = 0x20;

    /// <summary>Master data port (A0 = 1).</summary>
    public const ushort MasterDataPort = 0x21;

    /// <summary>Slave command port (A0 = 0).</summary>
    public const ushort SlaveCommandPort = 0xA0;

    /// <summary>Slave data port (A0 = 1).</summary>
    public const ushort SlaveDataPort = 0xA1;

    /// <summary>Master ELCR port.</summary>
    public const ushort MasterElcrPort = 0x4D0;

    /// <summary>Slave ELCR port.</summary>
    public const ushort SlaveElcrPort = 0x4D1;

    /// <summary>The master input the slave INT is wired to.</summary>
    public const int CascadeIrq = 2;

    private readonly IPicHost _host;
    private readonly Pic8259 _master = new(isMaster: true);
    private readonly Pic8259 _slave = new(isMaster: false);
    private bool _line2;
    private bool _cascadeLevel;
    private bool _intr;

    /// <summary>Creates the pair in its power-on state (not initialized: vector base 0, IMR 0).</summary>
    /// <param name="host">Receives the master INT output.</param>
    public Pic8259Pair(IPicHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        _host = host;
    }

    /// <summary>The master INT output.</summary>
    public bool IntrAsserted => _intr;

    /// <summary>INTA cycles that returned a spurious IRQ7 or IRQ15 vector.</summary>
    public long SpuriousCount { get; private set; }

    /// <summary>
    /// Edge requests on device inputs (all but master IR2) that arrived while the same IRR bit was still set, merged into
    /// one interrupt. Each rising edge is acknowledged, coalesced, or still in IRR (cleared only by ICW1).
    /// </summary>
    public long CoalescedCount => _master.CoalescedCount + _slave.CoalescedCount;

    /// <summary>The master's registers.</summary>
    public PicChipState Master => _master.Snapshot;

    /// <summary>The slave's registers.</summary>
    public PicChipState Slave => _slave.Snapshot;

    /// <summary>An OUT to one of the pair's ports; other ports are ignored.</summary>
    /// <param name="port">0x20, 0x21, 0xA0, 0xA1, 0x4D0 or 0x4D1.</param>
    /// <param name="value">The byte written.</param>
    public void WritePort(ushort port, byte value)
    {
        switch (port)
        {
            case MasterCommandPort:
                _master.WriteCommand(value);
                break;
            case MasterDataPort:
                _master.WriteData(value);
                break;
            case SlaveCommandPort:
                _slave.WriteCommand(value);
                break;
            case SlaveDataPort:
                _slave.WriteData(value);
                break;
            case MasterElcrPort:
                _master.WriteElcr(value);
                break;
            case SlaveElcrPort:
                _slave.WriteElcr(value);
                break;
            default:
                return;
        }

        Update();
    }

    /// <summary>
    /// What <see cref="ReadPort"/> returns, with no side effect: an armed poll command (OCW3) is neither acknowledged nor
    /// disarmed. For an <c>expect</c>, which only looks.
    /// </summary>
    /// <param name="port">0x20, 0x21, 0xA0, 0xA1, 0x4D0 or 0x4D1.</param>
    public byte PeekPort(ushort port) => port switch
    {
        MasterCommandPort or MasterDataPort => _master.Peek(port == MasterDataPort),
        SlaveCommandPort or SlaveDataPort => _slave.Peek(port == SlaveDataPort),
        MasterElcrPort => _master.Elcr,
        SlaveElcrPort => _slave.Elcr,
        _ => 0xFF,
    };

    /// <summary>An IN from one of the pair's ports: IRR/ISR (per OCW3) or the poll word, IMR, ELCR; others read 0xFF.</summary>
    /// <param name="port">0x20, 0x21, 0xA0, 0xA1, 0x4D0 or 0x4D1.</param>
    public byte ReadPort(ushort port)
    {
        // A chip's command/data port may acknowledge a polled request: read it, then follow INT; the rest is PeekPort.
        var chip = port switch
        {
            MasterCommandPort or MasterDataPort => _master,
            SlaveCommandPort or SlaveDataPort => _slave,
            _ => null,
        };
        if (chip is null)
        {
            return PeekPort(port);
        }

        var value = chip.Read(port is MasterDataPort or SlaveDataPort);
        Update();
        return value;
    }

    /// <summary>Drives ISA IRQ <paramref name="irq"/> (0..7 master, 8..15 slave); IRQ2 is ORed with the slave's INT.</summary>
    /// <param name="irq">0..15.</param>
    /// <param name="level">The line level (high = request).</param>
    public void SetIrq(int irq, bool level)
    {
        if ((uint)irq > 15)
        {
            throw new ArgumentOutOfRangeException(nameof(irq));
        }

        if (irq >= 8)
        {
            _slave.SetInput(irq - 8, level);
        }
        else if (irq == CascadeIrq)
        {
            _line2 = level;
        }
        else
        {
            _master.SetInput(irq, level);
        }

        Update();
    }

    /// <summary>
    /// The INTA cycle: returns the vector (ICW2 base | IR) of the best request and moves it to ISR (unless AEOI); a
    /// slave request goes through master IR2. With no qualifying request, the spurious IRQ7 / IRQ15 vector.
    /// </summary>
    public int Acknowledge()
    {
        int vector;
        int irq = _master.GetIrq();
        if (irq < 0)
        {
            SpuriousCount++;
            vector = _master.VectorBase | 7;
        }
        else
        {
            if (irq == CascadeIrq && _master.HasSlaveOn(CascadeIrq))
            {
                int slaveIrq = _slave.GetIrq();
                if (slaveIrq >= 0)
                {
                    _slave.IntAck(slaveIrq);
                    vector = _slave.VectorBase | slaveIrq;
                }
                else
                {
                    SpuriousCount++;
                    vector = _slave.VectorBase | 7;
                }

                DriveCascade();
            }
            else
            {
                vector = _master.VectorBase | irq;
            }

            _master.IntAck(irq);
        }

        Update();
        return vector;
    }

    /// <summary>
    /// Drives master IR2 with the slave's INT (ORed with ISA IRQ2). An edge-sensed IR2 sees only changes of that level:
    /// after the master's ICW1 resets its edge sense ("an interrupt request (IR) input must make a low-to-high transition
    /// to generate an interrupt", 8259A datasheet, ICW1), a slave INT that stayed high latches nothing until it drops
    /// and rises again, as a device line held high does. A level-sensed IR2 (ICW1 LTIM) follows the level at every update.
    /// </summary>
    private void DriveCascade()
    {
        bool level = _line2 || _slave.GetIrq() >= 0;
        if (level != _cascadeLevel || _master.SensesLevel(CascadeIrq))
        {
            _cascadeLevel = level;
            _master.SetInput(CascadeIrq, level);
        }
    }

    private void Update()
    {
        DriveCascade();
        bool intr = _master.GetIrq() >= 0;
        if (intr != _intr)
        {
            _intr = intr;
            _host.IntrChanged(intr);
        }
    }
}
