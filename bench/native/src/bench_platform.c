#include <string.h>
#include <time.h>

#include "bench_platform.h"

irq_cpustat_t irq_stat[NR_CPUS];
struct bench_apic bench_apic[NR_CPUS];

void bench_platform_reset(void)
{
	memset(irq_stat, 0, sizeof(irq_stat));
	memset(bench_apic, 0, sizeof(bench_apic));
	for (int cpu = 0; cpu < NR_CPUS; cpu++)
		bench_apic[cpu].spiv = BENCH_LINUX_SPIV;
}

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}
