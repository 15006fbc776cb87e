using IrqLab.Hardware;
using IrqLab.Hardware.Apic;
using Xunit;

namespace IrqLab.Tests.Hardware.Apic;

/// <summary>
/// x2APIC destinations (SDM §11.12.10.2): a logical message names one cluster (bits 31:16) and members in it (bits
/// 15:0), and an x2APIC's logical ID is derived from its fixed x2APIC ID, so while every APIC is in x2APIC mode only
/// the 16 APICs of that cluster can match, and a physical message only the APIC of that x2APIC ID. The bus looks at
/// those alone (a 100 ns cluster-IPI chain on 4096 CPUs ran 25 s for a million IPIs when every message examined every
/// APIC, 0.4 s now; lowest-priority IPIs to one CPU, 40 s and 1.2 s), and at every APIC while one of them is in xAPIC
/// mode, whose flat or cluster logical ID is software's and may match any destination.
/// </summary>
public sealed class X2ApicClusterDeliveryTests
{
    private static InterruptMessage Logical(uint destination, DeliveryMode mode = DeliveryMode.Fixed, int source = 0) =>
        new(0x51, mode, DestinationMode.Logical, destination, SourceApicId: source, SourceCpu: source);

    // Every APIC the message matches, by examining each one (the reference the bus must agree with).
    private static int[] Matching(InterruptBus bus, LocalApic[] apics, in InterruptMessage m)
    {
        var list = new List<int>();
        foreach (var a in apics)
        {
            if (bus.Matches(a, m))
            {
                list.Add(a.Index);
            }
        }

        return [.. list];
    }

    private static int[] Receivers(LocalApic[] apics) => apics.Where(a => a.Irr.IsSet(0x51)).Select(a => a.Index).ToArray();

    [Theory]
    [InlineData(0x0000_0001u, -1, new[] { 0 })]
    [InlineData(0x0001_0003u, -1, new[] { 16, 17 })]
    [InlineData(0x0003_FFFFu, -1, new[] { 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63 })]
    [InlineData(0x0004_0001u, -1, new int[0])]    // no APIC in cluster 4
    [InlineData(0x0001_0000u, -1, new int[0])]    // no member bit
    [InlineData(0xFFFF_FFFFu, 0, new[] { -1 })]   // x2APIC broadcast: every APIC
    [InlineData(0x0000_00FFu, -1, new[] { -1 })]  // 0xFF from an IO-APIC or MSI: the legacy broadcast quirk, every APIC
    [InlineData(0x0000_00FFu, 0, new[] { 0, 1, 2, 3, 4, 5, 6, 7 })] // 0xFF in an IPI: cluster 0, members 0-7
    public void A_logical_message_reaches_what_matching_every_APIC_finds_SDM_11_12_10_2(uint destination, int source, int[] expected)
    {
        var (_, apics, bus) = FakeApicHost.Many(64, x2Apic: true);
        var m = new InterruptMessage(0x51, DeliveryMode.Fixed, DestinationMode.Logical, destination, SourceApicId: source, SourceCpu: source);
        var want = expected is [-1] ? Enumerable.Range(0, 64).ToArray() : expected;
        Assert.Equal(want, Matching(bus, apics, m));

        bus.Deliver(m);
        Assert.Equal(want, Receivers(apics));
        Assert.Equal(want.Length, bus.AcceptedCount);
    }

    [Fact]
    public void A_cluster_message_examines_only_its_cluster_on_4096_x2APICs()
    {
        var (_, apics, bus) = FakeApicHost.Many(4096, x2Apic: true);
        var m = Logical(0x00FF_8001u); // cluster 255: APICs 4080..4095, members 0 and 15
        var candidates = bus.Candidates(m);
        Assert.Equal(Enumerable.Range(4080, 16).ToArray(), candidates.Select(a => a.Index).ToArray());

        bus.Deliver(m);
        Assert.Equal(new[] { 4080, 4095 }, Receivers(apics));

        // Lowest priority arbitrates among the same candidates: the lowest PPR, ties to the lowest APIC ID.
        Assert.Same(apics[4080], bus.SelectLowestPriority(Logical(0x00FF_8001u, DeliveryMode.LowestPriority)));
    }

    [Theory]
    [InlineData(DestinationMode.Physical, 0x0000_0021u)]
    [InlineData(DestinationMode.Physical, 0x0000_0000u)]
    [InlineData(DestinationMode.Physical, 0x0000_0500u)]   // no such APIC ID
    [InlineData(DestinationMode.Physical, 0xFFFF_FFFFu)]   // broadcast: all 64 arbitrate
    [InlineData(DestinationMode.Logical, 0x0002_F0F0u)]
    [InlineData(DestinationMode.Logical, 0x0007_0001u)]    // no such cluster
    public void Lowest_priority_picks_what_arbitration_over_every_APIC_picks_SDM_11_6_2_4(DestinationMode mode, uint destination)
    {
        var (_, apics, bus) = FakeApicHost.Many(64, x2Apic: true);
        for (var i = 0; i < apics.Length; i++)
        {
            // TPRs that make the lowest PPR fall inside each destination set, not on its first member.
            Assert.Equal(ApicAccessResult.Ok, apics[i].WriteMsr(0x808, (ulong)((i * 7) % 5) << 4));
        }

        var m = new InterruptMessage(0x51, DeliveryMode.LowestPriority, mode, destination, SourceApicId: 0, SourceCpu: 0);
        var want = apics.Where(a => bus.Matches(a, m)).OrderBy(a => a.Ppr).ThenBy(a => a.ApicId).FirstOrDefault();
        Assert.Same(want, bus.SelectLowestPriority(m));
    }

    [Fact]
    public void A_physical_message_to_one_x2APIC_ID_examines_only_that_APIC_on_4096()
    {
        var (_, apics, bus) = FakeApicHost.Many(4096, x2Apic: true);
        var m = new InterruptMessage(0x51, DeliveryMode.LowestPriority, DestinationMode.Physical, 4000, SourceApicId: 0, SourceCpu: 0);
        Assert.Same(apics[4000], Assert.Single(bus.Candidates(m)));
        Assert.Same(apics[4000], bus.SelectLowestPriority(m));

        var none = m with { Destination = 5000 };
        Assert.Empty(bus.Candidates(none));
        Assert.Null(bus.SelectLowestPriority(none));
    }

    [Fact]
    public void An_APIC_in_xAPIC_mode_makes_every_APIC_a_candidate_again_SDM_11_12_5_1()
    {
        var (_, apics, bus) = FakeApicHost.Many(64, x2Apic: true);

        // APIC 63 leaves x2APIC mode the only way the SDM allows (x2APIC -> disabled -> xAPIC) and takes flat logical
        // ID 0x01: the low byte 0x03 of an x2APIC-format destination matches it.
        Assert.Equal(ApicAccessResult.Ok, apics[63].WriteMsr(0x1B, 0xFEE00000));
        Assert.Equal(ApicAccessResult.Ok, apics[63].WriteMsr(0x1B, 0xFEE00800));
        Assert.Equal(LocalApicMode.XApic, apics[63].Mode);
        Assert.Equal(ApicAccessResult.Ok, apics[63].WriteMmio(0xD0, 0x0100_0000));
        Assert.Equal(ApicAccessResult.Ok, apics[63].WriteMmio(0xF0, 0x1FF));

        var m = Logical(0x0001_0003u);
        Assert.Equal(64, bus.Candidates(m).Length);
        Assert.Equal(64, bus.Candidates(m with { DestinationMode = DestinationMode.Physical }).Length);
        bus.Deliver(m);
        Assert.Equal(new[] { 16, 17, 63 }, Receivers(apics));

        // Disabled again: no APIC is in xAPIC mode, and the cluster's 16 are the candidates once more.
        Assert.Equal(ApicAccessResult.Ok, apics[63].WriteMsr(0x1B, 0xFEE00000));
        Assert.Equal(16, bus.Candidates(m).Length);
    }

    [Fact]
    public void APICs_put_on_a_second_bus_make_both_buses_examine_every_APIC()
    {
        // The first bus no longer hears of mode changes of APICs another bus took over: it cannot rely on its count.
        var (host, apics, bus) = FakeApicHost.Many(32, x2Apic: true);
        var second = new InterruptBus(apics);
        host.Bus = second;
        var m = Logical(0x0001_0001u);
        Assert.Equal(32, bus.Candidates(m).Length);
        Assert.Equal(32, second.Candidates(m).Length);
    }
}
