package org.metricopt.common.io;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * malloc_trim and mallinfo2 are found and callable on Linux (glibc), the platform executors run on
 * here, and mallinfo2 sees memory taken and given back through malloc.
 */
class NativeHeapTest {
    @Test
    void trimIsAvailableAndCallableOnLinux() {
        boolean linux = System.getProperty("os.name").toLowerCase().contains("linux");
        assertThat(NativeHeap.available()).isEqualTo(linux);
        assertThat(NativeHeap.trim()).isEqualTo(linux);
        // Repeated calls are harmless.
        assertThat(NativeHeap.trim()).isEqualTo(linux);
    }

    @Test
    void statsSeeNativeAllocationsComeAndGo() {
        boolean linux = System.getProperty("os.name").toLowerCase().contains("linux");
        assertThat(NativeHeap.stats().isPresent()).isEqualTo(linux);
        if (!linux) {
            return;
        }
        NativeHeap.Stats before = NativeHeap.stats().orElseThrow();
        // 64 MiB through malloc (JNA's Memory), held, then freed; other threads of this JVM may
        // allocate or free a little meanwhile, hence the margin.
        com.sun.jna.Memory block = new com.sun.jna.Memory(64L << 20);
        block.setByte(0, (byte) 1);
        NativeHeap.Stats holding = NativeHeap.stats().orElseThrow();
        assertThat(holding.inUseBytes() - before.inUseBytes()).isGreaterThan(60L << 20);
        block.close();
        NativeHeap.Stats after = NativeHeap.stats().orElseThrow();
        assertThat(holding.inUseBytes() - after.inUseBytes()).isGreaterThan(60L << 20);
        assertThat(after.freeBytes()).isNotNegative();
    }
}
