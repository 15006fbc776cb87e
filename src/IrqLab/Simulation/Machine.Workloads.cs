using IrqLab.Hardware;
using IrqLab.Hardware.Apic;
using IrqLab.Scenarios.Model;
using IrqLab.Vectors;

namespace IrqLab.Simulation;

/// <summary>The statistical load of SCENARIOS.md §8: device arrivals, the periodic APIC timer, random IPIs.</summary>
internal sealed partial class Machine
{
    /// <summary>
    /// The workload generators. Each device workload and the IPI workload draws from its own random stream
    /// (seed, index), so runs are reproducible and adding one source leaves the others' arrival times unchanged.
    /// </summary>
    private sealed class Workloads
    {
        private readonly Machine _m;
        private readonly IReadOnlyList<WorkloadSpec> _specs;
        private readonly DeterministicRandom[] _random;
        private readonly IpiWorkload?[] _ipiSpec;

        // The ICR low dword of each IPI source (vector, delivery mode), built once from its vector.
        private readonly ulong[] _ipiIcrLow;

        // 1e9 / rate of each IPI source, divided once (the same double every time; a device source keeps its own).
        private readonly double[] _meanNs;

        // What the rounding of each IPI source's last arrival time left over (PoissonDelay; a device source keeps its own).
        private readonly double[] _ipiCarryNs;

        // Raises made so far in the current burst of each spaced burst workload.
        private readonly int[] _burstRaised;

        // What an arrival of each device workload reads, in one object: one load reaches all of it (parallel arrays
        // cost a load and a bounds check each on every arrival).
        private readonly DeviceSource?[] _source;

        public Workloads(Machine m, IReadOnlyList<WorkloadSpec> specs)
        {
            _m = m;
            _specs = specs;
            _random = new DeterministicRandom[specs.Count];
            _ipiSpec = new IpiWorkload?[specs.Count];
            _meanNs = new double[specs.Count];
            _ipiCarryNs = new double[specs.Count];
            _ipiIcrLow = new ulong[specs.Count];
            _burstRaised = new int[specs.Count];
            _source = new DeviceSource?[specs.Count];
            var seed = m._options.Seed ?? m._scenario.Seed;
            for (var i = 0; i < specs.Count; i++)
            {
                _random[i] = new DeterministicRandom(seed, (ulong)i + 1);
                if (specs[i] is DeviceWorkload dw)
                {
                    // The mean gap is divided once: the same double every time (1e9 / rate).
                    _source[i] = new DeviceSource(m._devicesByName[dw.Device], dw, _random[i], 1e9 / dw.RatePerSecond);
                }
                else if (specs[i] is IpiWorkload iw)
                {
                    _ipiSpec[i] = iw;
                    _meanNs[i] = 1e9 / iw.RatePerSecond;
                    _ipiIcrLow[i] = IpiIcrLow(iw.Vector);
                }
            }
        }

        /// <summary>Generators never run out: they never keep the machine from being idle.</summary>
        public bool HasFiniteWork => false;

        public bool Any => _specs.Count > 0;

        public void Start()
        {
            if (_m._scenario.Machine.NmiWatchdog)
            {
                _m._queue.Push(_m._now + WatchdogPeriodNs, SimEventKind.WatchdogTick, 0);
            }

            for (var i = 0; i < _specs.Count; i++)
            {
                switch (_specs[i])
                {
                    case TimerWorkload t:
                        StartTimers(t.Hz);
                        break;
                    case DeviceWorkload d:
                        _source[i]!.StartNs = _m._now;
                        Schedule(i, FirstDelay(i, d));
                        break;
                    case IpiWorkload w when w.RatePerSecond > 0:
                        Schedule(i, Math.Max(1, PoissonDelay(_random[i], _meanNs[i], ref _ipiCarryNs[i])));
                        break;
                }
            }
        }

        private void StartTimers(int hz)
        {
            // The kernel's periodic LAPIC timer: lapic_timer_set_periodic() -> __setup_APIC_LVTT(lapic_timer_period,
            // 0, 1) (arch/x86/kernel/apic/apic.c): LVT timer periodic on LOCAL_TIMER_VECTOR, "Divide PICLK by 16"
            // (TDCR = APIC_TDR_DIV_16), TMICT = clocks / APIC_DIVISOR, clocks being the timer clock's cycles per
            // jiffy (lapic_timer_period = crystal_khz * 1000 / HZ, arch/x86/kernel/tsc.c). The loader refuses an HZ
            // that would make the count 0.
            var count = Math.Max(1UL, TimerWorkload.InitialCount(_m._scenario.Machine.ApicTimerHz, Math.Max(1, hz)));
            foreach (var c in _m._cpus)
            {
                c.Apic.WriteRegister(ApicRegister.TimerDivide, TimerWorkload.DivideConfiguration);
                c.Apic.WriteRegister(ApicRegister.LvtTimer, (1UL << 17) | 0xEC);
                c.Apic.WriteRegister(ApicRegister.TimerInitial, count);
            }
        }

        /// <summary>
        /// The ICR low dword the kernel writes to send <paramref name="vector"/> (<c>__prepare_ICR()</c>,
        /// arch/x86/kernel/apic/local.h): a fixed IPI of that vector, except NMI_VECTOR, which is sent as an NMI
        /// (delivery mode 100b, vector field 0), as <c>apic->send_IPI(cpu, NMI_VECTOR)</c> does. The kernel sets no
        /// level bit (bit 14, APIC_INT_ASSERT): <c>__prepare_ICR()</c> ORs only the shorthand, the destination mode and
        /// APIC_DM_FIXED | vector or APIC_DM_NMI, so the sender's <c>apic.icr</c> reads back without it. Delivery is
        /// the same either way: Pentium 4 and later issue every IPI but an INIT level de-assert as an assert (SDM
        /// Vol. 3A §11.6.1, Level flag).
        /// </summary>
        private static ulong IpiIcrLow(int vector) => vector == VectorSpace.NmiVector
            ? (ulong)DeliveryMode.Nmi << 8
            : (ulong)(vector & 0xFF) | ((ulong)DeliveryMode.Fixed << 8);

        private long FirstDelay(int i, DeviceWorkload d) => d.Pattern switch
        {
            ArrivalPattern.Poisson => d.RatePerSecond > 0 ? Math.Max(1, PoissonDelay(_random[i], _source[i]!.MeanNs, ref _source[i]!.CarryNs)) : -1,
            ArrivalPattern.Periodic => d.RatePerSecond > 0 ? Math.Max(1, (long)Math.Round(1e9 / d.RatePerSecond)) : -1,
            _ => Math.Max(1, d.BurstEveryNs),
        };

        /// <summary>
        /// Delay to the next arrival of a Poisson workload. The process is drawn in continuous time (gaps −ln(u) · mean)
        /// and each arrival lands on the first whole ns at or after its exact time: the exact gap is added to what the
        /// last arrival's rounding left over (<paramref name="carryNs"/>, in (−1, 0]) and rounded up. So n arrivals take
        /// n · mean on average at any rate, and two arrivals within one ns come at one instant (delay 0). Each gap
        /// rounded on its own to at least 1 ns lost arrivals where the mean gap is a few ns (1e9/s kept 74 %).
        /// </summary>
        private static long PoissonDelay(DeterministicRandom random, double meanNs, ref double carryNs)
        {
            var exact = carryNs + random.NextExponential(meanNs);
            if (exact >= MaxPoissonDelayNs)
            {
                carryNs = 0;
                return MaxPoissonDelayNs;
            }

            var delay = Math.Ceiling(exact);
            carryNs = exact - delay;
            return (long)delay;
        }

        // A gap past any run (rates down to the loader's smallest): it is not rounded, and nothing is carried.
        private const long MaxPoissonDelayNs = long.MaxValue / 2;

        /// <summary>
        /// Delay to the next arrival of a periodic workload: arrival k + 1 is due round((k + 1) * 1e9 / rate) ns after
        /// the workload started, at least 1 ns after this one (the clock's resolution).
        /// </summary>
        private long NextPeriodic(DeviceSource source)
        {
            var k = ++source.Arrivals + 1;
            var due = source.StartNs + (long)Math.Round(k * source.MeanNs);
            return Math.Max(1, due - _m._now);
        }

        /// <summary>Delay to the next arrival of a burst workload: the next raise of this burst, or the next burst.</summary>
        private long NextInBurst(int i, DeviceWorkload d)
        {
            if (d.BurstSpacingNs == 0)
            {
                return FirstDelay(i, d);
            }

            if (++_burstRaised[i] < d.BurstCount)
            {
                return d.BurstSpacingNs;
            }

            _burstRaised[i] = 0;
            return Math.Max(1, d.BurstEveryNs - ((d.BurstCount - 1) * d.BurstSpacingNs));
        }

        private void Schedule(int i, long delayNs) =>
            Schedule(i, _specs[i] is IpiWorkload ? SimEventKind.IpiArrival : SimEventKind.DeviceArrival, delayNs);

        private void Schedule(int i, SimEventKind kind, long delayNs)
        {
            if (delayNs > 0)
            {
                _m._queue.Push(_m._now + delayNs, kind, i);
            }
        }

        /// <summary>A device workload's state an arrival reads (the spec's pattern, the device, its stream, its mean gap).</summary>
        private sealed class DeviceSource(SimDevice device, DeviceWorkload spec, DeterministicRandom random, double meanNs)
        {
            public readonly SimDevice Device = device;
            public readonly DeviceWorkload Spec = spec;
            public readonly ArrivalPattern Pattern = spec.Pattern;
            public readonly DeterministicRandom Random = random;
            public readonly double MeanNs = meanNs;

            // What the rounding of a Poisson source's last arrival time left over, in (−1, 0] ns (PoissonDelay).
            public double CarryNs;

            // A periodic source's k-th arrival comes at StartNs + round(k * MeanNs), from the start, so the rounding
            // of one gap to whole nanoseconds does not add up over the run (7/s gives 7 arrivals in 1 s, not 6).
            public long StartNs;
            public long Arrivals;

            // The MSI or MSI-X table's size is fixed when the device is built.
            public readonly int Entries = device.Msi is { } t ? t.Count : 1;

            /// <summary>The message an arrival raises: one of the table's entries at random, 0 for a single one (no draw).</summary>
            [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
            public int NextVectorIndex() => Entries > 1 ? Random.NextInt(Entries) : 0;
        }

        public void OnArrival(in SimEvent ev)
        {
            var i = ev.Target;
            if (_source[i] is { } source)
            {
                var d = source.Spec;
                var device = source.Device;
                var random = source.Random;
                if (source.Pattern == ArrivalPattern.Poisson)
                {
                    // Arrivals whose exact times fall within this ns are raised at this instant, as a burst's are.
                    long delay;
                    do
                    {
                        _m.RaiseDevice(device, source.NextVectorIndex());
                        delay = PoissonDelay(random, source.MeanNs, ref source.CarryNs);
                    }
                    while (delay == 0);

                    Schedule(i, SimEventKind.DeviceArrival, delay);
                    return;
                }

                if (source.Pattern == ArrivalPattern.Periodic)
                {
                    _m.RaiseDevice(device, source.NextVectorIndex());
                    Schedule(i, SimEventKind.DeviceArrival, NextPeriodic(source));
                    return;
                }

                // A burst: n raises at one instant, or one raise per arrival BurstSpacingNs apart.
                var n = d.BurstSpacingNs > 0 ? 1 : Math.Max(1, d.BurstCount);
                for (var k = 0; k < n; k++)
                {
                    _m.RaiseDevice(device, source.NextVectorIndex());
                }

                Schedule(i, SimEventKind.DeviceArrival, NextInBurst(i, d));
            }
            else if (_ipiSpec[i] is not null)
            {
                var random = _random[i];
                var cpus = _m._cpus.Length;

                // IPIs whose exact times fall within this ns are sent at this instant, one after the other.
                long delay;
                do
                {
                    var from = random.NextInt(cpus);
                    var to = cpus == 1 ? from : (from + 1 + random.NextInt(cpus - 1)) % cpus;
                    var c = _m._cpus[from];

                    // The sender's kernel writes its ICR; a CPU shut down by a triple fault, waiting for a SIPI, or
                    // halted for good by stop_this_cpu() (REBOOT_VECTOR), executes nothing, so its share of the IPIs is
                    // not sent (the draws are made all the same: the other arrivals do not move).
                    if (!c.RunsNoProgram)
                    {
                        // Linux addresses the receiver as its APIC driver does (default_send_IPI_single() through
                        // send_IPI_mask: logical 1 << cpu under the flat driver, else physical, LinuxDestination).
                        var x2 = c.Apic.Mode == LocalApicMode.X2Apic;
                        var (destination, logical) = x2 ? (_m._cpus[to].Apic.ApicId, false) : _m.LinuxDestination(to);
                        var icr = _ipiIcrLow[i] | (logical ? 1UL << 11 : 0UL) | ((ulong)destination << (x2 ? 32 : 56));
                        _m.WriteApic(c, ApicRegister.Icr, icr, null);
                    }

                    delay = PoissonDelay(random, _meanNs[i], ref _ipiCarryNs[i]);
                }
                while (delay == 0);

                Schedule(i, SimEventKind.IpiArrival, delay);
            }
        }
    }
}
