package org.metricopt.common.io;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/**
 * Gives memory that native code freed back to the operating system. PyTorch allocates and frees
 * each task's tensors through glibc's malloc, which keeps freed pages of its heaps and arenas for
 * reuse; with tasks of varying sizes the resident set of an executor creeps up although nothing
 * leaks. {@code malloc_trim(0)} returns those free pages. Linux with glibc only; elsewhere a no-op.
 */
public final class NativeHeap {
    private static final Function MALLOC_TRIM = lookup();

    private NativeHeap() {}

    private static Function lookup() {
        try {
            return Platform.isLinux()
                    ? NativeLibrary.getInstance(Platform.C_LIBRARY_NAME).getFunction("malloc_trim")
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
}
