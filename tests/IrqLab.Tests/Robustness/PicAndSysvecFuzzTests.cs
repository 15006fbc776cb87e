using CsCheck;
using IrqLab.Hardware.Pic;
using IrqLab.Kernel.Sysvec;
using IrqLab.Scenarios.Model;
using IrqLab.Vectors;
using Xunit;
using Xunit.Sdk;

namespace IrqLab.Tests.Robustness;

/// <summary>
/// Issue 8 register fuzzing of the 8259 pair (random ICW/OCW sequences on 0x20/0x21/0xA0/0xA1, ELCR 0x4D0/0x4D1 and
/// undecoded ports, IRQ lines, INTA cycles) and of the system vector table (random installs, then the seal).
/// </summary>
public sealed class PicAndSysvecFuzzTests
{
    public const int PicSequences = 2000;

    public const int TableSequences = 1500;

    public readonly record struct Op(int Kind, int A, int B)
    {
        public override string ToString() => $"({Kind}, 0x{A:X}, 0x{B:X})";
    }

    public sealed record Ops(Op[] Items)
    {
        public override string ToString() => "[" + string.Join(", ", Items.Select(o => o.ToString())) + "]";
    }

    private static readonly Gen<int> Port = Gen.OneOfConst(0x20, 0x21, 0xA0, 0xA1, 0x4D0, 0x4D1, 0x22, 0x80, 0xFFFF);

    // ICW1 (bit 4 set), OCW2 (bits 4:3 = 00), OCW3 (bits 4:3 = 01) on the command ports; anything on the data ports.
    private static readonly Gen<int> CommandByte = Gen.Frequency(
        (2, Gen.Int[0, 0xF].Select(b => 0x10 | b)),
        (3, Gen.Int[0, 7].Select(Gen.Int[0, 7], (op, level) => (op << 5) | level)),
        (3, Gen.Int[0, 7].Select(b => 0x08 | b | (b & 4) << 3)),
        (1, Gen.Int[0, 0xFF]));

    private static readonly Gen<Op> PicOp = Gen.Frequency(
        (4, Gen.Select(Port, CommandByte, (p, v) => new Op(0, p, v))),
        (3, Gen.Select(Gen.OneOfConst(0x21, 0xA1), Gen.Int[0, 0xFF], (p, v) => new Op(0, p, v))),
        (2, Port.Select(p => new Op(1, p, 0))),
        (5, Gen.Select(Gen.Int[0, 15], Gen.Int[0, 1], (irq, level) => new Op(2, irq, level))),
        (4, Gen.Const(new Op(3, 0, 0))));

    private static readonly Gen<Ops> PicSequence = PicOp.Array[1, 300].Select(a => new Ops(a));

    [Fact]
    public void Pic_random_port_and_line_sequences_keep_intr_consistent_8259A_datasheet()
    {
        long ops = 0;
        Fuzz.Run(PicSequence, seed: 31, PicSequences, seq =>
        {
            var host = new IntrHost();
            var pic = new Pic8259Pair(host);
            for (var i = 0; i < seq.Items.Length; i++)
            {
                var op = seq.Items[i];
                try
                {
                    switch (op.Kind)
                    {
                        case 0:
                            pic.WritePort((ushort)op.A, (byte)op.B);
                            break;
                        case 1:
                            var value = pic.ReadPort((ushort)op.A);
                            if (op.A is not (0x20 or 0x21 or 0xA0 or 0xA1 or 0x4D0 or 0x4D1) && value != 0xFF)
                            {
                                throw new XunitException($"read of undecoded port 0x{op.A:X} returned 0x{value:X2}, not 0xFF (floating bus)");
                            }

                            break;
                        case 2:
                            pic.SetIrq(op.A, op.B != 0);
                            break;
                        default:
                            var intr = pic.IntrAsserted;
                            var spurious = pic.Master.VectorBase | 7;
                            var vector = pic.Acknowledge();
                            if ((uint)vector > 0xFF)
                            {
                                throw new XunitException($"INTA returned {vector}, not a byte");
                            }

                            // 8259A datasheet: an INTA with no request pending returns the IR7 vector (spurious).
                            if (!intr && vector != spurious)
                            {
                                throw new XunitException($"INTA without INT returned 0x{vector:X2}, not the spurious IR7 vector 0x{spurious:X2}");
                            }

                            break;
                    }
                }
                catch (Exception e) when (e is not XunitException)
                {
                    throw new XunitException($"op {i} {op} threw {e.GetType().Name}: {e.Message}");
                }

                if (host.Repeated)
                {
                    throw new XunitException($"after op {i} {op}: IntrChanged called twice with the same level");
                }

                if (host.Level != pic.IntrAsserted)
                {
                    throw new XunitException($"after op {i} {op}: the host sees INT={host.Level}, the pair says {pic.IntrAsserted}");
                }
            }

            ops += seq.Items.Length;
        });

        TestContext.Current.TestOutputHelper?.WriteLine($"pic fuzz: {ops} operations");
        Assert.True(ops >= 250_000, $"only {ops} operations");
    }

    private static readonly string[] s_handlers = ["sysvec_custom", "sysvec_reschedule_ipi", "sysvec_irq_work", "sysvec_apic_timer_interrupt", "x"];

    public sealed record TableCase(KernelVersion Version, KernelVariant Variant, bool[] Config, (int Vector, int Handler)[] Before, (int Vector, int Handler)[] After)
    {
        public override string ToString() =>
            $"{Version} {Variant} config=[{string.Join(",", Config.Select(c => c ? 1 : 0))}] before=[{string.Join(", ", Before)}] after=[{string.Join(", ", After)}]";
    }

    private static readonly Gen<(int, int)> Install = Gen.Select(Gen.Frequency((4, Gen.Int[0xE0, 0xFF]), (1, Gen.Int[-5, 300])), Gen.Int[0, s_handlers.Length - 1]);

    private static readonly Gen<TableCase> Tables = Gen.Select(
        Gen.Enum<KernelVersion>(),
        Gen.Enum<KernelVariant>(),
        Gen.Bool.Array[KconfigDefaults.All.Count()],
        Install.Array[0, 20],
        Install.Array[1, 40],
        (v, var, c, b, a) => new TableCase(v, var, c, b, a));

    [Fact]
    public void System_vector_table_stays_sealed_after_setup_entry_fred_c()
    {
        long ops = 0;
        var names = KconfigDefaults.All.ToArray();
        Fuzz.Run(Tables, seed: 41, TableSequences, t =>
        {
            var config = new Dictionary<string, bool>();
            for (var i = 0; i < names.Length; i++)
            {
                config[names[i]] = t.Config[i];
            }

            var table = new SystemVectorTable(VectorLayout.For(t.Version), t.Variant, config);
            foreach (var (vector, handler) in t.Before)
            {
                var r = table.Install(vector, s_handlers[handler]);
                Assert.True(r.Installed || r.Refusal != InstallRefusal.SetupDone, "refused as after-setup before the seal");
            }

            table.Seal();
            var slots = new SysvecHandler[table.Count];
            var filled = new bool[256];
            for (var i = 0; i < table.Count; i++)
            {
                slots[i] = table.Lookup(i);
            }

            for (var v = 0; v < 256; v++)
            {
                filled[v] = table.IsFilled(v);
            }

            // fred_install_sysvec(): after fred_complete_exception_setup() every install is refused (WARN_ON_ONCE(fred_setup_done)).
            foreach (var (vector, handler) in t.After)
            {
                var r = table.Install(vector, s_handlers[handler]);
                Assert.False(r.Installed, $"install of 0x{vector:X} succeeded after the seal\n{t}");
                Assert.True(r.Refusal is InstallRefusal.SetupDone or InstallRefusal.BelowFirstSystemVector, $"refusal {r.Refusal}\n{t}");
                table.Seal();
            }

            Assert.True(table.IsSealed);
            for (var i = 0; i < table.Count; i++)
            {
                Assert.True(ReferenceEquals(slots[i], table.Lookup(i)), $"slot {i} changed after the seal\n{t}");
            }

            for (var v = 0; v < 256; v++)
            {
                Assert.True(filled[v] == table.IsFilled(v), $"system_vectors bit of 0x{v:X2} changed after the seal\n{t}");
            }

            ops += t.Before.Length + t.After.Length + 1;
        });

        TestContext.Current.TestOutputHelper?.WriteLine($"sysvec table fuzz: {ops} operations");
        Assert.True(ops >= 30_000, $"only {ops} operations");
    }

    private sealed class IntrHost : IPicHost
    {
        public bool Level { get; private set; }

        public bool Repeated { get; private set; }

        public void IntrChanged(bool asserted)
        {
            Repeated |= asserted == Level;
            Level = asserted;
        }
    }
}
