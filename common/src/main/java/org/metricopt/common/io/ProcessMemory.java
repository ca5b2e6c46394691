package org.metricopt.common.io;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Memory figures of this process, for the memory benchmark and the native-memory tests: resident
 * set size, live DJL native managers, and a settle step that lets direct-buffer cleaners run.
 */
public final class ProcessMemory {
    private ProcessMemory() {}

    /** Resident set size of this process in KiB, from /proc/self/status (Linux). */
    public static long rssKib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot read /proc/self/status; memory figures need Linux", e);
        }
        throw new IllegalStateException("/proc/self/status has no VmRSS line");
    }

    /**
     * Native managers alive under the engine's system manager (the probe itself excluded). DJL does
     * not expose the count, so this reads BaseNDManager's resource map by reflection.
     */
    public static int liveManagers() {
        try (NDManager probe = NDManager.newBaseManager()) {
            NDManager system = probe.getParentManager();
            Field f = BaseNDManager.class.getDeclaredField("resources");
            f.setAccessible(true);
            return ((Map<?, ?>) f.get(system)).size() - 1;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(
                    "DJL's BaseNDManager no longer has a 'resources' map; update"
                            + " ProcessMemory.liveManagers for this DJL version",
                    e);
        }
    }

    /**
     * Runs the garbage collector and gives the reference handler time to run the cleaners of direct
     * buffers, which DJL uses to move data in and out of native arrays.
     */
    public static void settle() {
        for (int i = 0; i < 3; i++) {
            System.gc();
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
