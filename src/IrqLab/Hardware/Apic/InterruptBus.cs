namespace IrqLab.Hardware.Apic;

/// <summary>
/// The interrupt bus (system bus / APIC bus): resolves the destination of a message (SDM §11.6.2) and hands it to
/// each addressed <see cref="LocalApic"/>. APIC IDs are assumed unique, as the SDM requires (§11.12.5.1), which lets
/// a physical message stop at the first match. Allocation-free.
/// </summary>
public sealed class InterruptBus : IInterruptSink
{
    private readonly LocalApic[] _apics;
    private readonly bool _legacyBroadcastQuirk;
    private readonly ApicModeCensus _census = new();

    // The APICs of each x2APIC cluster (LDR bits 31:16, from the fixed x2APIC ID), in bus order: while no APIC is in
    // xAPIC mode, a logical message that is not a broadcast can match no other (SDM §11.12.10.2). Without it a
    // cluster IPI on 4096 CPUs examined all 4096 APICs.
    private readonly LocalApic[][] _x2Clusters;

    // The APICs of each x2APIC ID, in bus order, for lowest-priority arbitration among the APICs a physical message
    // names: while no APIC is in xAPIC mode, only those can match it (a lowest-priority IPI to one of 4096 CPUs
    // examined all 4096).
    private readonly Dictionary<uint, LocalApic[]> _x2ById;

    /// <summary>Creates a bus connecting <paramref name="apics"/> (index = CPU number).</summary>
    /// <param name="apics">The local APICs.</param>
    /// <param name="legacyBroadcastQuirk">
    /// An IOAPIC/MSI message to destination 0xFF also broadcasts to x2APIC targets (KVM's default, <c>kvm_apic_mda</c>).
    /// QEMU turns it off (KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK) when the machine has APIC IDs above 254, where 0xFF is
    /// an ordinary APIC ID; only 0xFFFFFFFF is then an x2APIC broadcast.
    /// </param>
    public InterruptBus(IReadOnlyList<LocalApic> apics, bool legacyBroadcastQuirk = true)
    {
        ArgumentNullException.ThrowIfNull(apics);
        _legacyBroadcastQuirk = legacyBroadcastQuirk;
        _apics = new LocalApic[apics.Count];
        for (var i = 0; i < _apics.Length; i++)
        {
            _apics[i] = apics[i] ?? throw new ArgumentException("null APIC", nameof(apics));
        }

        var clusters = new List<LocalApic>?[1];
        var byId = new Dictionary<uint, List<LocalApic>>();
        foreach (var apic in _apics)
        {
            if (apic.Census is { } other)
            {
                // On a second bus: the first bus no longer hears of this APIC's mode changes, nor does this one.
                other.Shared = true;
                _census.Shared = true;
            }

            apic.Census = _census;
            _census.Add(apic.Mode);
            var cluster = (int)(LocalApic.X2ApicLdr(apic.X2ApicId) >> 16);
            if (cluster >= clusters.Length)
            {
                Array.Resize(ref clusters, Math.Max(cluster + 1, 2 * clusters.Length));
            }

            (clusters[cluster] ??= []).Add(apic);
            if (!byId.TryGetValue(apic.X2ApicId, out var same))
            {
                byId[apic.X2ApicId] = same = [];
            }

            same.Add(apic);
        }

        _x2ById = byId.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());

        _x2Clusters = new LocalApic[clusters.Length][];
        for (var i = 0; i < clusters.Length; i++)
        {
            _x2Clusters[i] = clusters[i]?.ToArray() ?? [];
        }
    }

    /// <summary>The APICs on the bus.</summary>
    public IReadOnlyList<LocalApic> Apics => _apics;

    /// <summary>Messages that matched no enabled APIC.</summary>
    public long UndeliveredCount { get; private set; }

    /// <summary>Messages delivered to at least one APIC.</summary>
    public long DeliveredCount { get; private set; }

    /// <summary>
    /// Acceptances: one for each local APIC a delivered message reached (a broadcast to N APICs counts N). The engine
    /// measures zero-time storms by it, whose cost grows with the fan-out of their messages.
    /// </summary>
    public long AcceptedCount { get; private set; }

    /// <summary>
    /// Delivers a message: shorthands (self, all including self, all excluding self), physical (0xFF / 0xFFFFFFFF
    /// broadcast), logical flat, cluster and x2APIC cluster; lowest priority goes to one APIC of the destination set,
    /// whatever its form (see <see cref="SelectLowestPriority"/>).
    /// </summary>
    public void Deliver(in InterruptMessage message)
    {
        // Lowest priority goes to one APIC of the destination set, a physical broadcast's included (SDM §11.6.2.4;
        // KVM kvm_irq_delivery_to_apic, QEMU apic_deliver_irq pick one for every destination form).
        if (message.DeliveryMode == DeliveryMode.LowestPriority)
        {
            var target = SelectLowestPriority(message);
            if (target is null)
            {
                UndeliveredCount++;
                return;
            }

            DeliveredCount++;
            AcceptedCount++;
            target.Accept(message);
            return;
        }

        if (message.Shorthand is DestinationShorthand.None or DestinationShorthand.Self
            && (message.Shorthand == DestinationShorthand.Self || message.DestinationMode == DestinationMode.Physical)
            && !IsPhysicalBroadcast(message))
        {
            var apic = message.Shorthand == DestinationShorthand.Self ? FindSource(message) : FindById(message.Destination);
            if (apic is null || apic.Mode == LocalApicMode.Disabled)
            {
                UndeliveredCount++;
                return;
            }

            DeliveredCount++;
            AcceptedCount++;
            apic.Accept(message);
            return;
        }

        var accepted = 0;
        foreach (var apic in Candidates(message))
        {
            if (Matches(apic, message))
            {
                accepted++;
                apic.Accept(message);
            }
        }

        AcceptedCount += accepted;
        if (accepted > 0)
        {
            DeliveredCount++;
        }
        else
        {
            UndeliveredCount++;
        }
    }

    /// <summary>
    /// Lowest-priority arbitration, made deterministic: among the APICs the message matches (software-enabled ones
    /// preferred), the one with the lowest PPR wins, ties going to the lowest APIC ID. There is no focus processor: the
    /// Pentium 4 and later do not have the concept (SDM §11.6.2.4; SVR bit 9 is reserved there), nor does KVM. Real
    /// chipsets use TPR/APR or round robin (KVM: arbitration counter or vector hashing); this rule is ours. Returns null
    /// if nothing matches.
    /// </summary>
    public LocalApic? SelectLowestPriority(in InterruptMessage message)
    {
        LocalApic? best = null;
        var bestEnabled = false;
        foreach (var apic in Candidates(message))
        {
            if (!Matches(apic, message))
            {
                continue;
            }

            var enabled = apic.SoftwareEnabled;
            if (best is null
                || (enabled && !bestEnabled)
                || (enabled == bestEnabled
                    && (apic.Ppr < best.Ppr || (apic.Ppr == best.Ppr && apic.ApicId < best.ApicId))))
            {
                best = apic;
                bestEnabled = enabled;
            }
        }

        return best;
    }

    /// <summary>Whether <paramref name="apic"/> is a destination of <paramref name="message"/> (SDM §11.6.2,
    /// §11.12.10; KVM <c>kvm_apic_match_dest</c>). Hardware-disabled APICs match nothing.</summary>
    public bool Matches(LocalApic apic, in InterruptMessage message)
    {
        ArgumentNullException.ThrowIfNull(apic);
        if (apic.Mode == LocalApicMode.Disabled)
        {
            return false;
        }

        switch (message.Shorthand)
        {
            case DestinationShorthand.Self:
                return IsSource(apic, message);
            case DestinationShorthand.AllIncludingSelf:
                return true;
            case DestinationShorthand.AllExcludingSelf:
                return !IsSource(apic, message);
        }

        var dest = message.Destination;
        var x2 = apic.Mode == LocalApicMode.X2Apic;
        if (message.DestinationMode == DestinationMode.Physical)
        {
            return IsBroadcastFor(x2, message) || dest == apic.ApicId;
        }

        if (x2)
        {
            return IsBroadcastFor(true, message) || MatchesLogicalId(true, apic.Ldr, 0, dest);
        }

        return dest == 0xFF || MatchesLogicalId(false, apic.Ldr, apic.Dfr, dest);
    }

    /// <summary>
    /// Whether an APIC with logical destination register <paramref name="ldr"/> (and, in xAPIC mode, destination format
    /// register <paramref name="dfr"/>) is among the APICs a logical <paramref name="destination"/> names, broadcasts
    /// aside (SDM §11.6.2.2, §11.12.10.2; KVM <c>kvm_apic_match_logical_addr()</c>). x2APIC: the cluster in bits 31:16
    /// must match, then any member bit in 15:0. xAPIC, an 8-bit destination: under the flat model (DFR[31:28] = 1111B)
    /// any bit shared with LDR[31:24]; under the cluster model (0000B) the cluster in bits 7:4 equal to LDR[31:28] and a
    /// member bit of 3:0 shared with LDR[27:24]; any other model matches nothing.
    /// </summary>
    public static bool MatchesLogicalId(bool x2Apic, uint ldr, uint dfr, uint destination)
    {
        if (x2Apic)
        {
            return (destination >> 16) == (ldr >> 16) && (destination & ldr & 0xFFFF) != 0;
        }

        var logicalId = ldr >> 24;
        return (dfr >> 28) switch
        {
            0xF => (destination & logicalId) != 0,
            0x0 => (destination >> 4) == (logicalId >> 4) && (destination & logicalId & 0xF) != 0,
            _ => false,
        };
    }

    /// <summary>
    /// The APICs <paramref name="message"/> may match, in bus order. While every APIC is in x2APIC mode (or disabled),
    /// a message without shorthand that is not a broadcast matches only the APICs of the x2APIC ID it names
    /// (physical) or of the cluster in its destination bits 31:16 (logical, SDM §11.12.10.2); else every APIC is one.
    /// </summary>
    internal LocalApic[] Candidates(in InterruptMessage message)
    {
        if (message.Shorthand != DestinationShorthand.None || !_census.AllX2Apic || IsBroadcastFor(true, message))
        {
            return _apics;
        }

        if (message.DestinationMode == DestinationMode.Physical)
        {
            return _x2ById.TryGetValue(message.Destination, out var same) ? same : [];
        }

        var cluster = message.Destination >> 16;
        return cluster < (uint)_x2Clusters.Length ? _x2Clusters[cluster] : [];
    }

    /// <summary>Broadcast: 0xFFFFFFFF for an x2APIC target (also 0xFF from an IOAPIC/MSI source with the legacy
    /// broadcast quirk, KVM <c>kvm_apic_mda</c>), 0xFF for an xAPIC target.</summary>
    private bool IsBroadcastFor(bool x2Target, in InterruptMessage message) => x2Target
        ? message.Destination == 0xFFFF_FFFF || (_legacyBroadcastQuirk && message.SourceApicId < 0 && message.Destination == 0xFF)
        : message.Destination == 0xFF;

    private static bool IsPhysicalBroadcast(in InterruptMessage message) =>
        message.Shorthand == DestinationShorthand.None
        && message.DestinationMode == DestinationMode.Physical
        && (message.Destination == 0xFF || message.Destination == 0xFFFF_FFFF);

    /// <summary>
    /// Whether <paramref name="apic"/> issued <paramref name="message"/>. The self and all-excluding-self shorthands
    /// name the issuing APIC itself, not an APIC ID (SDM §11.6.1: "the issuing APIC is the one and only destination";
    /// KVM <c>kvm_apic_match_dest</c>: <c>target == source</c>), so two xAPICs that software gave the same ID stay
    /// apart. A message without <see cref="InterruptMessage.SourceCpu"/> falls back to the sender's APIC ID.
    /// </summary>
    private static bool IsSource(LocalApic apic, in InterruptMessage message) => message.SourceCpu >= 0
        ? apic.Index == message.SourceCpu
        : apic.ApicId == unchecked((uint)message.SourceApicId);

    /// <summary>The APIC that issued a message (see <see cref="IsSource"/>), or null.</summary>
    private LocalApic? FindSource(in InterruptMessage message)
    {
        var cpu = message.SourceCpu;
        if (cpu < 0)
        {
            return FindById(unchecked((uint)message.SourceApicId));
        }

        if (cpu < _apics.Length && _apics[cpu].Index == cpu)
        {
            return _apics[cpu];
        }

        foreach (var apic in _apics)
        {
            if (apic.Index == cpu)
            {
                return apic;
            }
        }

        return null;
    }

    private LocalApic? FindById(uint id)
    {
        if (id < (uint)_apics.Length && _apics[id].ApicId == id)
        {
            return _apics[id];
        }

        foreach (var apic in _apics)
        {
            if (apic.ApicId == id)
            {
                return apic;
            }
        }

        return null;
    }
}
