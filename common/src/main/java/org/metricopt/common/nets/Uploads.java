package org.metricopt.common.nets;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Uploads of large float arrays (a task's examples) without a fresh direct buffer each time. DJL's
 * {@code manager.create(float[])} copies the data into a new Java direct buffer and hands its
 * memory to PyTorch without a copy ({@code torch::from_blob}); that buffer is freed only when the
 * garbage collector runs its cleaner, so every task leaves megabytes of malloc'd memory waiting for
 * a collection, and glibc keeps the peak as free memory afterwards. Here the data goes through one
 * direct buffer per thread, reused, and PyTorch gets its own copy ({@code duplicate}), which it
 * frees when the returned array is closed. The from_blob array is closed before the buffer can be
 * reused, so nothing refers to the buffer's memory between uploads.
 */
public final class Uploads {
    private static final ThreadLocal<ByteBuffer> BUFFER = new ThreadLocal<>();

    private Uploads() {}

    /** A float32 array of {@code shape} holding {@code data}, owned by {@code manager}. */
    public static NDArray floats(NDManager manager, float[] data, Shape shape) {
        int bytes = Math.multiplyExact(data.length, Float.BYTES);
        ByteBuffer buf = BUFFER.get();
        if (buf == null || buf.capacity() < bytes) {
            buf = ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
            BUFFER.set(buf);
        }
        ByteBuffer view = buf.duplicate().order(ByteOrder.nativeOrder());
        view.clear().limit(bytes);
        view.asFloatBuffer().put(data);
        ByteBuffer slice = view.slice().order(ByteOrder.nativeOrder());
        try (NDArray blob = manager.create(slice, shape, DataType.FLOAT32)) {
            return blob.duplicate();
        }
    }
}
