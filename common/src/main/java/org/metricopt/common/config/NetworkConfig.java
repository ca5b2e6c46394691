package org.metricopt.common.config;

import java.io.Serializable;

/**
 * The frozen base network and its adapter (supp. Fig. 1).
 *
 * @param kind {@code mlp} (input-bias adapter) or {@code cnn} (FiLM adapter)
 * @param mlpAdapterDim size of the MLP's dynamic input-bias vector
 * @param mlpHidden the two hidden widths of the MLP
 * @param cnnChannels the channel counts of the CNN's two conv layers
 */
public record NetworkConfig(String kind, int mlpAdapterDim, int[] mlpHidden, int[] cnnChannels)
        implements Serializable {
    public static final String MLP = "mlp";
    public static final String CNN = "cnn";

    /** Size of phi: the configured input-bias size for the MLP, 2 x channels for FiLM. */
    public int adapterDim() {
        return MLP.equals(kind) ? mlpAdapterDim : 2 * (cnnChannels[0] + cnnChannels[1]);
    }

    /** A short identifier of the architecture, used in file names and provenance. */
    public String signature() {
        return MLP.equals(kind)
                ? "mlp-" + mlpAdapterDim + "-" + mlpHidden[0] + "-" + mlpHidden[1]
                : "cnn-" + cnnChannels[0] + "-" + cnnChannels[1];
    }
}
