package org.metricopt.driver.bench;

import java.util.Arrays;
import java.util.stream.Collectors;
import org.metricopt.common.config.NetworkConfig;

/** The workloads of the {@code inner-loop} benchmark: one per base network of the project. */
public enum Workload {
    /** The MLP (784 + 128) -> 256 -> 128 -> 10 with a 128-dimensional input-bias adapter. */
    MLP_INPUT_BIAS("mlp-input-bias", NetworkConfig.MLP),
    /** The project's default CNN (channels 16, 32) with FiLM adapters, phi of dimension 96. */
    CNN_FILM("cnn-film", NetworkConfig.CNN);

    private final String id;
    private final String networkKind;

    Workload(String id, String networkKind) {
        this.id = id;
        this.networkKind = networkKind;
    }

    /** The name on the command line and in the reports. */
    public String id() {
        return id;
    }

    /** The value of {@code network.kind} that selects this workload's base network. */
    public String networkKind() {
        return networkKind;
    }

    /** The workload named {@code id}; the message lists the allowed names otherwise. */
    public static Workload of(String id) {
        for (Workload w : values()) {
            if (w.id.equals(id)) {
                return w;
            }
        }
        throw new IllegalArgumentException(
                "workload '"
                        + id
                        + "' is unknown; allowed: "
                        + Arrays.stream(values())
                                .map(Workload::id)
                                .collect(Collectors.joining(", ")));
    }

    @Override
    public String toString() {
        return id;
    }
}
