package org.metricopt.common.data;

/**
 * The three disjoint parts of Fashion-MNIST that MetricOpt (Huang et al., CVPR 2021) uses, computed
 * by {@link DataSplits}. Keeping them apart is what makes the reported numbers honest: nothing that
 * shapes the base network, the value function or the learned optimizer ever sees a {@link #TEST}
 * image.
 */
public enum Split {
    /**
     * Training images {@code [0, pretrainCount)}: used once to pre-train the base network's
     * parameters θ, the common starting point of every finetuning task.
     */
    PRETRAIN,

    /**
     * Training images {@code [pretrainCount, trainCount)}: the pool from which each meta-training
     * task draws its own train and validation examples (the validation examples are where the
     * black-box metric is measured).
     */
    TASK_POOL,

    /**
     * All of the held-out t10k images. Every number reported by an evaluation comes from this split
     * and from no other.
     */
    TEST;

    /** Whether the split's indices refer to the training files (else to the t10k files). */
    public boolean fromTrainFiles() {
        return this != TEST;
    }
}
