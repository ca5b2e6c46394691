package org.metricopt.common.io;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** malloc_trim is found and callable on Linux (glibc), the platform executors run on here. */
class NativeHeapTest {
    @Test
    void trimIsAvailableAndCallableOnLinux() {
        boolean linux = System.getProperty("os.name").toLowerCase().contains("linux");
        assertThat(NativeHeap.available()).isEqualTo(linux);
        assertThat(NativeHeap.trim()).isEqualTo(linux);
        // Repeated calls are harmless.
        assertThat(NativeHeap.trim()).isEqualTo(linux);
    }
}
