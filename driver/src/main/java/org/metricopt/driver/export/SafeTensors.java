package org.metricopt.driver.export;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The safetensors format (docs/DESIGN.md section 6, "Exports"), written by hand: an 8-byte
 * little-endian header length N, N bytes of JSON header {@code {"__metadata__": {string: string},
 * name: {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...}} padded with spaces to
 * a multiple of 8, then the tensors' raw little-endian float32 data back to back, offsets counted
 * from the end of the header. DJL's own safetensors encoder (NDList) cannot write the {@code
 * __metadata__} block, which carries the provenance here; its decoder reads these files.
 */
public final class SafeTensors {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SafeTensors() {}

    /** A float32 tensor: its shape and its values in row-major order. */
    public record Tensor(long[] shape, float[] values) {
        public Tensor {
            long size = 1;
            for (long s : shape) {
                if (s < 0) {
                    throw new IllegalArgumentException(
                            "negative dimension in " + Arrays.toString(shape));
                }
                size *= s;
            }
            if (size != values.length) {
                throw new IllegalArgumentException(
                        "shape "
                                + Arrays.toString(shape)
                                + " holds "
                                + size
                                + " values, not "
                                + values.length);
            }
            shape = shape.clone();
        }

        public static Tensor of(float[] values, long... shape) {
            return new Tensor(shape, values);
        }
    }

    /**
     * The file's bytes: {@code tensors} in their iteration order, {@code metadata} as the header's
     * {@code __metadata__}.
     */
    public static byte[] encode(Map<String, Tensor> tensors, Map<String, String> metadata) {
        Map<String, Object> header = new LinkedHashMap<>();
        if (!metadata.isEmpty()) {
            header.put("__metadata__", new LinkedHashMap<>(metadata));
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                throw new IllegalArgumentException("__metadata__ is not a tensor name");
            }
            long bytes = 4L * e.getValue().values().length;
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", "F32");
            entry.put("shape", e.getValue().shape());
            entry.put("data_offsets", new long[] {offset, offset + bytes});
            header.put(e.getKey(), entry);
            offset += bytes;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(header);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("in-memory JSON failed", e);
        }
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer out =
                ByteBuffer.allocate(Math.toIntExact(8 + padded + offset))
                        .order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded);
        out.put(json);
        for (int i = json.length; i < padded; i++) {
            out.put((byte) ' ');
        }
        for (Tensor t : tensors.values()) {
            for (float v : t.values()) {
                out.putFloat(v);
            }
        }
        return out.array();
    }

    /** The JSON header of a safetensors file (tensors and {@code __metadata__}). */
    public static JsonNode header(byte[] file) {
        if (file.length < 8) {
            throw new IllegalArgumentException("a safetensors file has at least 8 bytes");
        }
        long n = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (n < 2 || n > file.length - 8) {
            throw new IllegalArgumentException(
                    "header length " + n + " does not fit a file of " + file.length + " bytes");
        }
        try {
            return JSON.readTree(new String(file, 8, (int) n, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalArgumentException("the header is not JSON: " + e.getMessage(), e);
        }
    }

    /** The {@code __metadata__} strings of a safetensors file (empty when it has none). */
    public static Map<String, String> metadata(byte[] file) {
        Map<String, String> out = new LinkedHashMap<>();
        JsonNode meta = header(file).path("__metadata__");
        meta.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }
}
