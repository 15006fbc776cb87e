namespace IrqLab.Delivery;

/// <summary>
/// Per-CPU event gating state (SDM Vol. 3A §6.7.1, §6.8.1, §6.8.3 for MOV SS, Vol. 2B "STI" for the STI shadow;
/// shared/reference/x86-events.md §1.3): RFLAGS.IF, the
/// one-instruction STI and MOV SS shadows, NMI blocking with one latched NMI, and the RFLAGS.IF values saved in the
/// frames of events still being handled (restored by IRET / ERETS).
/// </summary>
/// <remarks>
/// Instruction model: <see cref="Sti"/>, <see cref="Cli"/> and <see cref="MovSs"/> each execute one instruction;
/// <see cref="InstructionRetired"/> retires any other instruction. A shadow created by one instruction ends when the next
/// instruction retires, and an instruction executed inside a shadow never creates a new one (SDM: a second STI or MOV SS
/// does not extend the shadow). The STI shadow does not hold off NMIs in this model (the SDM leaves it model-specific);
/// the MOV SS shadow does.
/// </remarks>
public sealed class CpuInterruptState
{
    // Saved IF, NMI and STI-blocking bits per frame depth: depths 0..63 in one word each (the common case, no array to
    // reach), deeper frames in the overflow arrays (word k holds depths 64(k+1) .. 64(k+1)+63).
    private ulong _savedIf0;
    private ulong _savedNmi0;
    private ulong _savedSti0;
    private ulong[] _savedIfDeep = [];
    private ulong[] _savedNmiDeep = [];
    private ulong[] _savedStiDeep = [];
    private bool _stiShadow;
    private bool _movSsShadow;

    /// <summary>RFLAGS.IF (bit 9): masks maskable external interrupts only.</summary>
    public bool If { get; set; }

    /// <summary>Blocking by STI is in effect (STI executed with IF = 0, next instruction not yet retired).</summary>
    public bool StiShadow => _stiShadow;

    /// <summary>Blocking by MOV SS / POP SS is in effect.</summary>
    public bool MovSsShadow => _movSsShadow;

    /// <summary>NMIs are blocked: an NMI was delivered and no NMI-unblocking return has executed since.</summary>
    public bool NmiBlocked { get; private set; }

    /// <summary>One NMI arrived while blocked and waits (the CPU latches at most one).</summary>
    public bool NmiLatched { get; private set; }

    /// <summary>NMIs that arrived while one was already latched: merged into it and lost.</summary>
    public long NmisMerged { get; private set; }

    /// <summary>A maskable interrupt can be taken at this instruction boundary: IF = 1 and no shadow.</summary>
    public bool CanTakeInterrupt => If && !_stiShadow && !_movSsShadow;

    /// <summary>An NMI can be taken at this instruction boundary: not blocked and no MOV SS shadow.</summary>
    public bool CanTakeNmi => !NmiBlocked && !_movSsShadow;

    /// <summary>
    /// IRETs that unblocked NMIs while returning from something other than the NMI handler (an exception or interrupt
    /// nested in it): the IDT hazard that lets a second NMI nest before the first handler finishes. ERETS never counts here.
    /// </summary>
    public long EarlyNmiUnblocks { get; internal set; }

    /// <summary>Number of delivered events whose frames have not been returned from (handler nesting depth).</summary>
    public int FrameDepth { get; private set; }

    /// <summary>Executes STI: IF = 1; creates a shadow only if IF was 0 (SDM "STI").</summary>
    public void Sti()
    {
        var wasShadow = EndShadow();
        var createShadow = !If && !wasShadow;
        If = true;
        _stiShadow = createShadow;
    }

    /// <summary>Executes CLI: IF = 0.</summary>
    public void Cli()
    {
        EndShadow();
        If = false;
    }

    /// <summary>Executes MOV SS / POP SS: interrupts, NMIs and debug traps are held off until the next instruction retires.</summary>
    public void MovSs()
    {
        var wasShadow = EndShadow();
        _movSsShadow = !wasShadow;
    }

    /// <summary>Another instruction retired: any shadow ends.</summary>
    public void InstructionRetired() => EndShadow();

    /// <summary>
    /// An NMI arrives. Returns true when it can be delivered now (the caller then delivers it, which blocks NMIs).
    /// Otherwise it is latched; if one is already latched it is merged into it and counted in <see cref="NmisMerged"/>.
    /// </summary>
    public bool NoteNmi()
    {
        if (CanTakeNmi && !NmiLatched)
        {
            return true;
        }

        if (NmiLatched)
        {
            NmisMerged++;
        }
        else
        {
            NmiLatched = true;
        }

        return false;
    }

    /// <summary>
    /// Takes the latched NMI if it can be delivered now: returns true and clears the latch (the caller then delivers it).
    /// </summary>
    public bool TakeLatchedNmi()
    {
        if (!NmiLatched || !CanTakeNmi)
        {
            return false;
        }

        NmiLatched = false;
        return true;
    }

    /// <summary>Clears all state: IF = 0, no shadow, NMIs unblocked, nothing latched, no frames (reset / INIT).</summary>
    public void Reset()
    {
        If = false;
        _stiShadow = false;
        _movSsShadow = false;
        NmiBlocked = false;
        NmiLatched = false;
        FrameDepth = 0;
    }

    /// <summary>
    /// Event delivery: saves IF, the frame's NMI bit and whether blocking by STI was in effect (FRED's frame STI bit),
    /// ends the shadows, clears IF if asked, blocks NMIs for an NMI.
    /// </summary>
    internal void EnterEvent(bool clearIf, bool isNmi)
    {
        var depth = FrameDepth;
        if (depth < 64)
        {
            var mask = 1UL << depth;
            _savedIf0 = If ? _savedIf0 | mask : _savedIf0 & ~mask;
            _savedNmi0 = isNmi ? _savedNmi0 | mask : _savedNmi0 & ~mask;

            // Blocking by STI at delivery is rare: the word is written only to set the bit or to clear a set one.
            if (_stiShadow)
            {
                _savedSti0 |= mask;
            }
            else if (_savedSti0 != 0)
            {
                _savedSti0 &= ~mask;
            }
        }
        else
        {
            var word = (depth >> 6) - 1;
            if (word >= _savedIfDeep.Length)
            {
                var length = Math.Max(1, _savedIfDeep.Length * 2);
                Array.Resize(ref _savedIfDeep, length);
                Array.Resize(ref _savedNmiDeep, length);
                Array.Resize(ref _savedStiDeep, length);
            }

            SetBit(_savedIfDeep, depth - 64, If);
            SetBit(_savedNmiDeep, depth - 64, isNmi);
            SetBit(_savedStiDeep, depth - 64, _stiShadow);
        }

        FrameDepth = depth + 1;
        _stiShadow = false;
        _movSsShadow = false;
        if (clearIf)
        {
            If = false;
        }

        if (isNmi)
        {
            NmiBlocked = true;
        }
    }

    /// <summary>
    /// Return from an event: restores the saved IF (when a frame is on record) and unblocks NMIs if asked.
    /// <paramref name="restoreSti"/> (ERETS): blocking by STI is in effect again when it was at delivery (the frame's STI
    /// bit) and IF is 1 after the return (FRED §7.5); otherwise, and always for IRET and ERETU, the shadows end.
    /// </summary>
    internal void ReturnFromEvent(bool unblockNmi, bool restoreSti = false)
    {
        var sti = false;
        if (FrameDepth > 0)
        {
            FrameDepth--;
            If = GetSaved(_savedIf0, _savedIfDeep, FrameDepth);
            sti = restoreSti && (_savedSti0 != 0 || _savedStiDeep.Length != 0) && If
                && GetSaved(_savedSti0, _savedStiDeep, FrameDepth);
        }

        _stiShadow = sti;
        _movSsShadow = false;
        if (unblockNmi)
        {
            NmiBlocked = false;
        }
    }

    /// <summary>
    /// NMI blocking begins with the NMI's delivery, before its handler is reached: an NMI whose delivery faults (and is
    /// handled serially, becomes #DF or ends in a triple fault) leaves NMIs blocked until the next NMI-unblocking return.
    /// </summary>
    internal void BlockNmis() => NmiBlocked = true;

    /// <summary>ERETS with a frame whose STI bit is set: blocking by STI is in effect again for one instruction.</summary>
    internal void RestoreStiShadow() => _stiShadow = true;

    /// <summary>True when the innermost frame on record belongs to an NMI (false with no frame): what FRED puts in the frame's NMI bit.</summary>
    public bool TopFrameIsNmi => FrameDepth > 0 && GetSaved(_savedNmi0, _savedNmiDeep, FrameDepth - 1);

    /// <summary>
    /// True when blocking by STI was in effect when the innermost frame on record was delivered (false with no frame):
    /// what FRED puts in the frame's STI bit (SS word bit 16), which ERETS uses to re-establish the blocking.
    /// </summary>
    public bool TopFrameSti => FrameDepth > 0 && GetSaved(_savedSti0, _savedStiDeep, FrameDepth - 1);

    private bool EndShadow()
    {
        var was = _stiShadow || _movSsShadow;
        _stiShadow = false;
        _movSsShadow = false;
        return was;
    }

    private static void SetBit(ulong[] bits, int index, bool value)
    {
        var mask = 1UL << (index & 63);
        bits[index >> 6] = value ? bits[index >> 6] | mask : bits[index >> 6] & ~mask;
    }

    private static bool GetSaved(ulong word0, ulong[] deep, int depth) =>
        depth < 64 ? (word0 & (1UL << depth)) != 0 : GetBit(deep, depth - 64);

    private static bool GetBit(ulong[] bits, int index) => (bits[index >> 6] & (1UL << (index & 63))) != 0;
}
