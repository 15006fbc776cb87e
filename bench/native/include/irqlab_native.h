/*
 * irqlab_native: the C reference of the IrqLab benchmark kernels (src/IrqLab/Benchmarks).
 *
 * Every kernel has the same signature: it resets its state, runs `iterations` passes over the `count` vectors of
 * `vectors` (the seeded sequence the C# side generates), measures the loop with clock_gettime(CLOCK_MONOTONIC),
 * stores a checksum of the final state in *checksum (so the work cannot be optimised away, and so the C# kernels can
 * be checked to do the same work) and returns nanoseconds per operation (one operation = one vector of the sequence).
 */
#ifndef IRQLAB_NATIVE_H
#define IRQLAB_NATIVE_H

#include <stdint.h>

#if defined(__GNUC__)
#define IRQLAB_EXPORT __attribute__((visibility("default")))
#else
#define IRQLAB_EXPORT
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Version of this interface; the C# loader refuses a library with another one. */
#define IRQLAB_NATIVE_ABI 1

IRQLAB_EXPORT int irqlab_native_abi_version(void);

/* FIRST_SYSTEM_VECTOR of the layout the system vector table models (mainline, latest version, default Kconfig). */
IRQLAB_EXPORT int irqlab_native_first_system_vector(void);

/* external_interrupt() on system vectors: sysvec_table[array_index_nospec(vector - FIRST_SYSTEM_VECTOR)](regs). */
IRQLAB_EXPORT double irqlab_native_external_interrupt_system_vector(const uint8_t *vectors, int count, int iterations,
								    uint64_t *checksum);

/* external_interrupt() on a device vector: vector_irq[vector] -> irq_desc -> handle_edge_irq -> action. vectors[0] is
 * the device's vector (the descriptor is installed there before the timed loop). */
IRQLAB_EXPORT double irqlab_native_external_interrupt_device_vector(const uint8_t *vectors, int count, int iterations,
								    uint64_t *checksum);

/* Local APIC: accept batches of 8 fixed vectors, then nested acknowledge while the highest IRR class beats PPR,
 * EOI the nest, repeat until IRR is empty (256-bit IRR/ISR scans with __builtin_clzll). */
IRQLAB_EXPORT double irqlab_native_lapic_highest_priority_scan(const uint8_t *vectors, int count, int iterations,
							       uint64_t *checksum);

/* Local APIC: accept one fixed vector, acknowledge it, EOI it. */
IRQLAB_EXPORT double irqlab_native_lapic_accept_eoi(const uint8_t *vectors, int count, int iterations,
						    uint64_t *checksum);

#ifdef __cplusplus
}
#endif

#endif /* IRQLAB_NATIVE_H */
