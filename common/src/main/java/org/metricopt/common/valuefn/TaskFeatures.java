package org.metricopt.common.valuefn;

import org.metricopt.common.nets.BaseNetwork;
import org.metricopt.common.nets.TaskNetwork;
import org.metricopt.common.tasks.TaskData;
import org.metricopt.common.tasks.TaskSpec;

/**
 * What is known about a task before finetuning without any validation or test label: its data
 * context at phi_0 (docs/DESIGN.md section 3.2). The same phi means different things in different
 * tasks (other classes, other input shifts, other label noise); these numbers let the value
 * function tell tasks apart. Computed on the executor from the task's training split only:
 *
 * <ol>
 *   <li>the mean surrogate loss over all training examples at phi_0;
 *   <li>the mean and the standard deviation of the (standardised) training pixels;
 *   <li>{@value BaseNetwork#CLASSES} label frequencies over the base network's classes: for a
 *       multiclass task the fraction of training labels of each class (noisy labels, as a user
 *       would have them), for a one-vs-rest task 1 at the positive class;
 *   <li>the fraction of positive training labels of a one-vs-rest task (0 for multiclass).
 * </ol>
 */
public final class TaskFeatures {
    /** Number of features. */
    public static final int SIZE = 4 + BaseNetwork.CLASSES;

    private TaskFeatures() {}

    public static float[] compute(TaskSpec spec, TaskData data, TaskNetwork net, float[] phi0) {
        float[] f = new float[SIZE];
        int[] y = data.trainY();
        int[] all = new int[y.length];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        f[0] = (float) net.loss(phi0, all);
        float[] x = data.trainX();
        double sum = 0;
        double sq = 0;
        for (float v : x) {
            sum += v;
            sq += (double) v * v;
        }
        double mean = sum / x.length;
        f[1] = (float) mean;
        f[2] = (float) Math.sqrt(Math.max(0, sq / x.length - mean * mean));
        int[] classes = spec.classes();
        if (spec.isBinary()) {
            f[3 + classes[0]] = 1f;
            double positives = 0;
            for (int v : y) {
                positives += v;
            }
            f[3 + BaseNetwork.CLASSES] = (float) (positives / y.length);
        } else {
            for (int v : y) {
                f[3 + classes[v]] += 1f / y.length;
            }
        }
        return f;
    }
}
