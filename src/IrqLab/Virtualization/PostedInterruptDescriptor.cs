namespace IrqLab.Virtualization;

/// <summary>
/// The 64-byte posted-interrupt descriptor (Linux <c>arch/x86/include/asm/posted_intr.h</c> <c>struct pi_desc</c>;
/// SDM 29.6): PIR bits 255:0, ON (outstanding notification, control bit 0), SN (suppress notification, bit 1), NV
/// (notification vector) and NDST (notification destination APIC ID). Senders <see cref="Post"/>; the target CPU's
/// posted-interrupt processing <see cref="HarvestInto"/> its virtual APIC. Single-threaded model of the atomic
/// operations; allocation-free.
/// </summary>
public sealed class PostedInterruptDescriptor
{
    private readonly ulong[] _pir = new ulong[Bitmap256.Words];

    /// <summary>Outstanding notification: set by the sender that must notify, cleared by posted-interrupt processing.</summary>
    public bool On { get; private set; }

    /// <summary>Suppress notification: while set, posting leaves ON alone and sends nothing (KVM sets it while the vCPU is
    /// preempted, <c>vmx_vcpu_pi_put</c>; VT-d hardware honours it for non-urgent interrupts).</summary>
    public bool Sn { get; set; }

    /// <summary>Notification vector used by senders (KVM: <c>POSTED_INTR_VECTOR</c> 0xf2 while running, the wakeup vector while blocked).</summary>
    public byte Nv { get; set; }

    /// <summary>Notification destination: the APIC ID of the CPU running the vCPU (xAPIC: ID in bits 15:8).</summary>
    public uint Ndst { get; set; }

    /// <summary>Posts that found their PIR bit already set (<see cref="PostResult.Coalesced"/>).</summary>
    public long CoalescedCount { get; private set; }

    /// <summary>Number of PIR bits set.</summary>
    public int PendingCount => Bitmap256.Count(_pir);

    /// <summary>Whether PIR bit <paramref name="vector"/> is set.</summary>
    public bool IsPirSet(int vector)
    {
        Bitmap256.CheckVector(vector);
        return Bitmap256.Test(_pir, vector);
    }

    /// <summary>
    /// Posts <paramref name="vector"/> as KVM <c>vmx_deliver_posted_interrupt</c> does: <c>pi_test_and_set_pir</c> — an
    /// already-set bit means the request merged (<see cref="PostResult.Coalesced"/>); then, unless SN = 1 (notification
    /// suppressed, ON left as is, VT-d posted-interrupt semantics), <c>pi_test_and_set_on</c> — if ON was already set a
    /// notification is already on its way (<see cref="PostResult.Posted"/>), otherwise the caller must send NV to NDST
    /// (<see cref="PostResult.NotificationNeeded"/>).
    /// </summary>
    public PostResult Post(int vector)
    {
        Bitmap256.CheckVector(vector);
        if (Bitmap256.TestAndSet(_pir, vector))
        {
            CoalescedCount++;
            return PostResult.Coalesced;
        }

        if (Sn || On)
        {
            return PostResult.Posted;
        }

        On = true;
        return PostResult.NotificationNeeded;
    }

    /// <summary>
    /// Clears SN and, as KVM <c>vmx_vcpu_pi_load</c> does, sets ON when PIR holds requests posted while notifications
    /// were suppressed. Returns true when ON was newly set (the caller harvests before entry or sends a notification).
    /// </summary>
    public bool ClearSuppressNotification()
    {
        Sn = false;
        if (On || PendingCount == 0)
        {
            return false;
        }

        On = true;
        return true;
    }

    /// <summary>
    /// Posted-interrupt processing steps 2, 4 and 5 (SDM 29.6), also KVM's software path <c>vmx_sync_pir_to_irr</c>:
    /// clears ON, ORs PIR into VIRR and clears PIR, RVI = max(RVI, highest posted vector). Returns the number of vectors
    /// moved out of PIR (a vector already pending in VIRR merges and is counted in
    /// <see cref="VirtualApic.CoalescedCount"/>). The caller then evaluates pending virtual interrupts (step 6).
    /// </summary>
    public int HarvestInto(VirtualApic vapic)
    {
        ArgumentNullException.ThrowIfNull(vapic);
        On = false;
        var moved = 0;
        for (var i = 0; i < Bitmap256.Words; i++)
        {
            var bits = _pir[i];
            if (bits == 0)
            {
                continue;
            }

            _pir[i] = 0;
            moved += vapic.MergeIrrWord(i, bits);
        }

        return moved;
    }
}
