namespace IrqLab.Virtualization;

/// <summary>
/// The virtual-APIC page registers and guest interrupt status used by APIC virtualization with virtual-interrupt
/// delivery (SDM Vol. 3C chapter 29, 2016-2021 numbering): VTPR (0x080), VPPR (0x0A0), VISR (0x100-0x170), VIRR
/// (0x200-0x270), RVI and SVI (guest interrupt status, VMCS 0x0810) and the 256-bit EOI-exit bitmap. The caller (the
/// simulator's vCPU) decides when a recognised virtual interrupt is delivered: only when the guest has RFLAGS.IF = 1, no
/// STI/MOV-SS blocking and interrupt-window exiting = 0 (29.2.1, 29.2.2). RVI is kept equal to the highest VIRR
/// vector, as every writer in this model (posted-interrupt processing, self-IPI virtualization, delivery) maintains it.
/// All state methods are allocation-free except <see cref="VirrToArray"/> and <see cref="VisrToArray"/>.
/// </summary>
public sealed class VirtualApic
{
    private readonly ulong[] _virr = new ulong[Bitmap256.Words];
    private readonly ulong[] _visr = new ulong[Bitmap256.Words];
    private readonly ulong[] _eoiExit = new ulong[Bitmap256.Words];
    private byte _vtpr;

    /// <summary>Virtual TPR. A write performs TPR virtualization with virtual-interrupt delivery: PPR virtualization (29.1.2).</summary>
    public byte Vtpr
    {
        get => _vtpr;
        set
        {
            _vtpr = value;
            UpdateVppr();
        }
    }

    /// <summary>Virtual PPR: VTPR when VTPR[7:4] &gt;= SVI[7:4], else SVI &amp; 0xF0 (PPR virtualization, 29.1.3).</summary>
    public byte Vppr { get; private set; }

    /// <summary>Requesting virtual interrupt, guest interrupt status bits 7:0: the highest VIRR vector (0 if none).</summary>
    public byte Rvi { get; private set; }

    /// <summary>Servicing virtual interrupt, guest interrupt status bits 15:8: the highest VISR vector (0 if none).</summary>
    public byte Svi { get; private set; }

    /// <summary>Requests that found their VIRR bit already set and merged with it (a vector is pending at most once).</summary>
    public long CoalescedCount { get; private set; }

    /// <summary>Whether VIRR bit <paramref name="v"/> is set.</summary>
    public bool IsVirrSet(int v)
    {
        Bitmap256.CheckVector(v);
        return Bitmap256.Test(_virr, v);
    }

    /// <summary>Whether VISR bit <paramref name="v"/> is set.</summary>
    public bool IsVisrSet(int v)
    {
        Bitmap256.CheckVector(v);
        return Bitmap256.Test(_visr, v);
    }

    /// <summary>Whether the EOI-exit bitmap bit for <paramref name="v"/> is set.</summary>
    public bool IsEoiExitSet(int v)
    {
        Bitmap256.CheckVector(v);
        return Bitmap256.Test(_eoiExit, v);
    }

    /// <summary>The VIRR vectors in ascending order (allocates).</summary>
    public int[] VirrToArray() => Bitmap256.ToArray(_virr);

    /// <summary>The VISR vectors in ascending order (allocates).</summary>
    public int[] VisrToArray() => Bitmap256.ToArray(_visr);

    /// <summary>
    /// VIRR bits 32·<paramref name="word"/> + 31 .. 32·<paramref name="word"/>: the 32-bit field at virtual-APIC page
    /// offset 200H + 10H·<paramref name="word"/> (SDM 29.1.1).
    /// </summary>
    public uint VirrWord(int word) => Word32(_virr, word);

    /// <summary>VISR bits of the 32-bit field at offset 100H + 10H·<paramref name="word"/> (SDM 29.1.1).</summary>
    public uint VisrWord(int word) => Word32(_visr, word);

    /// <summary>Number of VIRR bits set.</summary>
    public int VirrCount => Bitmap256.Count(_virr);

    /// <summary>Number of VISR bits set.</summary>
    public int VisrCount => Bitmap256.Count(_visr);

    /// <summary>
    /// Requests virtual interrupt <paramref name="vector"/>: VIRR[vector] = 1, RVI = max(RVI, vector), as self-IPI
    /// virtualization (29.1.5) and KVM's software injection into the virtual APIC (<c>kvm_apic_set_irr</c> then
    /// <c>vmx_hwapic_irr_update</c>) do. A request whose bit is already set is counted in <see cref="CoalescedCount"/>.
    /// </summary>
    public void SetVirr(int vector)
    {
        Bitmap256.CheckVector(vector);
        if (Bitmap256.TestAndSet(_virr, vector))
        {
            CoalescedCount++;
        }

        if (vector > Rvi)
        {
            Rvi = (byte)vector;
        }
    }

    /// <summary>ORs one 64-bit PIR word into VIRR (posted-interrupt processing step 4); returns the bits moved.</summary>
    internal int MergeIrrWord(int word, ulong bits)
    {
        var already = _virr[word] & bits;
        CoalescedCount += System.Numerics.BitOperations.PopCount(already);
        _virr[word] |= bits;
        var highest = Bitmap256.Highest(_virr);
        Rvi = highest < 0 ? (byte)0 : (byte)highest;
        return System.Numerics.BitOperations.PopCount(bits);
    }

    /// <summary>Evaluation of pending virtual interrupts (29.2.1): RVI[7:4] &gt; VPPR[7:4].</summary>
    public bool HasDeliverable => (Rvi >> 4) > (Vppr >> 4);

    /// <summary>
    /// Virtual-interrupt delivery (29.2.2): V = RVI; VISR[V] = 1; SVI = V; VPPR = V &amp; 0xF0; VIRR[V] = 0; RVI =
    /// highest remaining VIRR vector or 0. Returns V, which the caller delivers through the guest IDT as an external
    /// interrupt, or -1 when no virtual interrupt is recognised (<see cref="HasDeliverable"/> is false). The caller
    /// checks guest RFLAGS.IF and the interrupt shadow first.
    /// </summary>
    public int Deliver()
    {
        if (!HasDeliverable)
        {
            return -1;
        }

        int v = Rvi;
        Bitmap256.TestAndSet(_visr, v);
        Svi = (byte)v;
        Vppr = (byte)(v & 0xF0);
        Bitmap256.Clear(_virr, v);
        var next = Bitmap256.Highest(_virr);
        Rvi = next < 0 ? (byte)0 : (byte)next;
        return v;
    }

    /// <summary>
    /// EOI virtualization (29.1.4), taken literally: V = SVI; VISR[V] = 0; SVI = highest remaining VISR vector or 0;
    /// PPR virtualization; the outcome asks for an EOI-induced VM exit (reason 45, qualification V) when
    /// EOI-exit-bitmap[V] = 1, otherwise the caller evaluates pending virtual interrupts. With an empty VISR the
    /// result is vector 0 (SVI is 0), as on the hardware.
    /// </summary>
    public EoiOutcome VirtualEoi()
    {
        int v = Svi;
        Bitmap256.Clear(_visr, v);
        var next = Bitmap256.Highest(_visr);
        Svi = next < 0 ? (byte)0 : (byte)next;
        UpdateVppr();
        return new EoiOutcome(v, Bitmap256.Test(_eoiExit, v));
    }

    /// <summary>Sets or clears the EOI-exit bitmap bit for <paramref name="vector"/> (VMCS EOI_EXIT_BITMAP0-3; KVM sets it
    /// for level-triggered and IOAPIC-routed vectors in <c>vmx_load_eoi_exitmap</c>).</summary>
    public void SetEoiExitBitmap(int vector, bool exit)
    {
        Bitmap256.CheckVector(vector);
        if (exit)
        {
            Bitmap256.TestAndSet(_eoiExit, vector);
        }
        else
        {
            Bitmap256.Clear(_eoiExit, vector);
        }
    }

    private static uint Word32(ulong[] bits, int word)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(word);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(word, 7);
        return (uint)(bits[word >> 1] >> ((word & 1) * 32));
    }

    private void UpdateVppr()
    {
        Vppr = (_vtpr >> 4) >= (Svi >> 4) ? _vtpr : (byte)(Svi & 0xF0);
    }
}
