namespace IrqLab.Hardware.Pic;

/// <summary>
/// One 8259A chip: IRR, ISR, IMR, priority rotation, the ICW state machine and OCW decoding. State and priority rules
/// follow the datasheet as modelled by QEMU hw/intc/i8259.c (pic_get_irq, pic_intack, pic_ioport_write).
/// </summary>
internal sealed class Pic8259
{
    private const int InitIdle = 0;
    private const int InitExpectIcw2 = 1;
    private const int InitExpectIcw3 = 2;
    private const int InitExpectIcw4 = 3;

    private readonly byte _elcrMask;
    private byte _lastInput;
    private int _initState;
    private bool _init4;
    private bool _single;
    private bool _ltim;
    private bool _poll;
    private bool _readIsr;
    private bool _rotateOnAutoEoi;
    private bool _specialFullyNested;

    // Master ICW3: a 1 for each IR input that has a slave (8259A datasheet, ICW3). The PC wires the slave to IR2, as
    // every initialization writes it; before the first ICW1 the chip is taken to be wired so.
    private byte _slaveInputs = 1 << 2;

    public Pic8259(bool isMaster)
    {
        IsMaster = isMaster;
        _elcrMask = isMaster ? (byte)0xF8 : (byte)0xDE;
    }

    public bool IsMaster { get; }

    public byte Irr { get; private set; }

    public byte Isr { get; private set; }

    public byte Imr { get; private set; }

    public byte Elcr { get; private set; }

    public byte VectorBase { get; private set; }

    /// <summary>IR input with the highest priority is <c>PriorityAdd</c>; IR <c>PriorityAdd - 1</c> is the lowest.</summary>
    public int PriorityAdd { get; private set; }

    public bool AutoEoi { get; private set; }

    public bool SpecialMask { get; private set; }

    /// <summary>
    /// True when this master treats IR <paramref name="irq"/> as a slave's input: cascade mode (ICW1 SNGL = 0) with the
    /// input's bit set in ICW3. Otherwise the master answers the INTA for that input with its own vector (8259A
    /// datasheet, ICW1 SNGL and ICW3: only IR inputs with a 1 in ICW3 enable a slave through the cascade lines).
    /// </summary>
    public bool HasSlaveOn(int irq) => (_slaveInputs & (1 << irq)) != 0;

    public long CoalescedCount { get; private set; }

    public PicChipState Snapshot =>
        new(Irr, Isr, Imr, VectorBase, Elcr, (PriorityAdd + 7) & 7, AutoEoi, SpecialMask, _initState != InitIdle);

    private byte LevelMask => _ltim ? (byte)0xFF : Elcr;

    /// <summary>True when input IR <paramref name="irq"/> is sensed by level (ELCR bit or ICW1 LTIM): IRR follows the line.</summary>
    public bool SensesLevel(int irq) => (LevelMask & (1 << irq)) != 0;

    /// <summary>Drives input IR <paramref name="irq"/> (QEMU pic_set_irq: edge sets IRR on a rising input only).</summary>
    public void SetInput(int irq, bool level)
    {
        int mask = 1 << irq;
        if ((LevelMask & mask) != 0)
        {
            Irr = level ? (byte)(Irr | mask) : (byte)(Irr & ~mask);
        }
        else if (level && (_lastInput & mask) == 0)
        {
            if ((Irr & mask) != 0 && !(IsMaster && irq == 2))
            {
                // Merged into the request already latched (the cascade input is not counted: it is no device).
                CoalescedCount++;
            }

            Irr = (byte)(Irr | mask);
        }

        _lastInput = level ? (byte)(_lastInput | mask) : (byte)(_lastInput & ~mask);
    }

    /// <summary>Priority 0 (highest) .. 7 of the best bit in <paramref name="mask"/>, or 8 if none (QEMU get_priority).</summary>
    public int GetPriority(int mask)
    {
        if (mask == 0)
        {
            return 8;
        }

        int priority = 0;
        while ((mask & (1 << ((priority + PriorityAdd) & 7))) == 0)
        {
            priority++;
        }

        return priority;
    }

    /// <summary>The IR input INT is raised for, or -1: the best unmasked request that beats the best in-service bit.</summary>
    public int GetIrq()
    {
        int priority = GetPriority(Irr & ~Imr);
        if (priority == 8)
        {
            return -1;
        }

        int inService = Isr;
        if (SpecialMask)
        {
            inService &= ~Imr;
        }

        if (_specialFullyNested && IsMaster)
        {
            // SFNM lets a slave's higher request through its own in-service cascade input; an input without a slave
            // is nested as usual.
            inService &= ~(_slaveInputs & (1 << 2));
        }

        return priority < GetPriority(inService) ? (priority + PriorityAdd) & 7 : -1;
    }

    /// <summary>INTA for IR <paramref name="irq"/>: set ISR (or rotate under AEOI), clear an edge IRR bit.</summary>
    public void IntAck(int irq)
    {
        if (AutoEoi)
        {
            if (_rotateOnAutoEoi)
            {
                PriorityAdd = (irq + 1) & 7;
            }
        }
        else
        {
            Isr = (byte)(Isr | (1 << irq));
        }

        if ((LevelMask & (1 << irq)) == 0)
        {
            Irr = (byte)(Irr & ~(1 << irq));
        }
    }

    /// <summary>A write to the A0=0 port: ICW1, OCW2 or OCW3.</summary>
    public void WriteCommand(byte value)
    {
        if ((value & (byte)Icw1.Init) != 0)
        {
            InitReset();
            _initState = InitExpectIcw2;
            _init4 = (value & (byte)Icw1.Ic4) != 0;
            _single = (value & (byte)Icw1.Single) != 0;
            _ltim = (value & (byte)Icw1.Ltim) != 0;
            if (_ltim)
            {
                // LTIM: "edge detect logic on the interrupt inputs will be disabled" (8259A datasheet, ICW1): IRR
                // follows every input's level, so a line already held high is a request at once.
                Irr = _lastInput;
            }

            return;
        }

        if ((value & (byte)Ocw3.Ocw3Marker) != 0)
        {
            WriteOcw3((Ocw3)value);
            return;
        }

        WriteOcw2(value);
    }

    /// <summary>A write to the A0=1 port: the next ICW during initialization, else OCW1 (IMR).</summary>
    public void WriteData(byte value)
    {
        switch (_initState)
        {
            case InitExpectIcw2:
                VectorBase = (byte)(value & 0xF8);
                _initState = _single ? (_init4 ? InitExpectIcw4 : InitIdle) : InitExpectIcw3;
                break;
            case InitExpectIcw3:
                if (IsMaster)
                {
                    _slaveInputs = value;
                }

                _initState = _init4 ? InitExpectIcw4 : InitIdle;
                break;
            case InitExpectIcw4:
                _specialFullyNested = (value & (byte)Icw4.SpecialFullyNested) != 0;
                AutoEoi = (value & (byte)Icw4.AutoEoi) != 0;
                _initState = InitIdle;
                break;
            default:
                Imr = value;
                break;
        }
    }

    /// <summary>
    /// A read: in poll mode an INTA that returns 0x80 | IR (or 0); else IRR or ISR (port A0=0, per OCW3) or IMR (A0=1).
    /// </summary>
    /// <summary>What <see cref="Read"/> returns, without acknowledging a poll or disarming it.</summary>
    public byte Peek(bool a0)
    {
        // What Read returns, without its side effects: a poll is not an acknowledgement here and stays armed.
        if (_poll)
        {
            int irq = GetIrq();
            return irq < 0 ? (byte)0 : (byte)(0x80 | irq);
        }

        return a0 ? Imr : _readIsr ? Isr : Irr;
    }

    public byte Read(bool a0)
    {
        // The value Peek shows; a poll read is the acknowledgement of the request it reports, and disarms the poll.
        var value = Peek(a0);
        if (_poll)
        {
            _poll = false;
            if ((value & 0x80) != 0)
            {
                IntAck(value & 7);
            }
        }

        return value;
    }

    /// <summary>
    /// ELCR: an input made level-sensitive has IRR follow its line at once (a line held high is a request), as a
    /// level-sensed input does at every moment; one made edge-sensitive keeps what IRR latched.
    /// </summary>
    public void WriteElcr(byte value)
    {
        Elcr = (byte)(value & _elcrMask);
        Irr = (byte)((Irr & ~LevelMask) | (_lastInput & LevelMask));
    }

    private void InitReset()
    {
        // QEMU pic_reset_common: ELCR (and LTIM) survive; level IRR bits survive with their lines. The input levels
        // are kept (QEMU zeroes last_irr): "the edge sense circuit is reset, which means that following initialization,
        // an interrupt request (IR) input must make a low-to-high transition to generate an interrupt" (8259A
        // datasheet, ICW1), so a line held high across ICW1 is no edge until it drops and rises again.
        Irr &= Elcr;
        Imr = 0;
        Isr = 0;
        PriorityAdd = 0;
        VectorBase = 0;
        _readIsr = false;
        _poll = false;
        SpecialMask = false;
        AutoEoi = false;
        _rotateOnAutoEoi = false;
        _specialFullyNested = false;
        _init4 = false;
        _single = false;
        _slaveInputs = 0; // single mode has no ICW3; in cascade mode ICW3 sets the slave inputs
    }

    private void WriteOcw3(Ocw3 value)
    {
        if ((value & Ocw3.Poll) != 0)
        {
            _poll = true;
        }

        if ((value & Ocw3.ReadRegister) != 0)
        {
            _readIsr = (value & Ocw3.ReadIsr) != 0;
        }

        if ((value & Ocw3.EnableSpecialMask) != 0)
        {
            SpecialMask = (value & Ocw3.SpecialMask) != 0;
        }
    }

    private void WriteOcw2(byte value)
    {
        int level = value & 7;
        switch (value >> 5)
        {
            case 0b000: // clear rotate in AEOI
            case 0b100: // set rotate in AEOI
                _rotateOnAutoEoi = (value >> 5) == 0b100;
                break;
            case 0b001: // non-specific EOI
            case 0b101: // rotate on non-specific EOI
                // "An IS bit that is masked by an IMR bit will not be cleared by a non-specific EOI if the 8259A is in
                // the Special Mask Mode" (8259A datasheet, End of Interrupt).
                int priority = GetPriority(SpecialMask ? Isr & ~Imr : Isr);
                if (priority != 8)
                {
                    int irq = (priority + PriorityAdd) & 7;
                    Isr = (byte)(Isr & ~(1 << irq));
                    if ((value >> 5) == 0b101)
                    {
                        PriorityAdd = (irq + 1) & 7;
                    }
                }

                break;
            case 0b011: // specific EOI
                Isr = (byte)(Isr & ~(1 << level));
                break;
            case 0b110: // set priority: IR level becomes the lowest
                PriorityAdd = (level + 1) & 7;
                break;
            case 0b111: // rotate on specific EOI
                Isr = (byte)(Isr & ~(1 << level));
                PriorityAdd = (level + 1) & 7;
                break;
            default: // 010: no operation
                break;
        }
    }
}
