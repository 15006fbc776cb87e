namespace IrqLab.Virtualization;

/// <summary>What a sender must do after posting a vector into a posted-interrupt descriptor (KVM
/// <c>vmx_deliver_posted_interrupt</c>, VT-d posted-interrupt hardware).</summary>
public enum PostResult
{
    /// <summary>The PIR bit was already set: the request merged with a pending one (<c>pi_test_and_set_pir</c> returned 1).</summary>
    Coalesced,

    /// <summary>PIR set; no notification needed because ON was already set or SN = 1 (suppressed).</summary>
    Posted,

    /// <summary>PIR set and ON newly set with SN = 0: send the notification vector NV to NDST.</summary>
    NotificationNeeded,
}
