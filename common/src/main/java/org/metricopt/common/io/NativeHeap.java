package org.metricopt.common.io;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Structure;

/**
 * Gives memory that native code freed back to the operating system. PyTorch allocates and frees
 * each task's tensors through glibc's malloc, which keeps freed pages of its heaps and arenas for
 * reuse; with tasks of varying sizes the resident set of an executor creeps up although nothing
 * leaks. {@code malloc_trim(0)} returns those free pages. Linux with glibc only; elsewhere a no-op.
 */
public final class NativeHeap {
    private static final Function MALLOC_TRIM = lookup("malloc_trim");
    private static final Function MALLINFO2 = lookup("mallinfo2");

    /**
     * glibc's {@code struct mallinfo2} (all arenas): ten {@code size_t} fields in this order. Only
     * the fields this project reads are named in {@link Stats}.
     */
    public static final class MallInfo2 extends Structure implements Structure.ByValue {
        public long arena;
        public long ordblks;
        public long smblks;
        public long hblks;
        public long hblkhd;
        public long usmblks;
        public long fsmblks;
        public long uordblks;
        public long fordblks;
        public long keepcost;

        @Override
        protected java.util.List<String> getFieldOrder() {
            return java.util.List.of(
                    "arena",
                    "ordblks",
                    "smblks",
                    "hblks",
                    "hblkhd",
                    "usmblks",
                    "fsmblks",
                    "uordblks",
                    "fordblks",
                    "keepcost");
        }
    }

    /**
     * The native heap as glibc sees it.
     *
     * @param inUseBytes bytes handed out by malloc and not yet freed (heap and mmap)
     * @param freeBytes bytes malloc holds free in its heaps and arenas (resident unless trimmed)
     * @param mmapBytes bytes in chunks malloc took with mmap (returned to the OS when freed)
     */
    public record Stats(long inUseBytes, long freeBytes, long mmapBytes) {}

    private NativeHeap() {}

    private static Function lookup(String name) {
        try {
            return Platform.isLinux()
                    ? NativeLibrary.getInstance(Platform.C_LIBRARY_NAME).getFunction(name)
                    : null;
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }

    /** Whether {@link #trim} does anything here. */
    public static boolean available() {
        return MALLOC_TRIM != null;
    }

    /** Returns the native heap's free pages to the OS; false where that is not available. */
    public static boolean trim() {
        if (MALLOC_TRIM == null) {
            return false;
        }
        MALLOC_TRIM.invokeInt(new Object[] {0});
        return true;
    }

    /** glibc's view of the native heap, or empty where {@code mallinfo2} is not available. */
    public static java.util.Optional<Stats> stats() {
        if (MALLINFO2 == null) {
            return java.util.Optional.empty();
        }
        MallInfo2 m = (MallInfo2) MALLINFO2.invoke(MallInfo2.class, new Object[0]);
        return java.util.Optional.of(new Stats(m.uordblks + m.hblkhd, m.fordblks, m.hblkhd));
    }
}
