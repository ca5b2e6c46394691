package org.metricopt.common.unroll;

/**
 * An update rule for the adapter phi, on plain float arrays: phi is small (about 128 numbers), so
 * the update itself costs nothing next to the network, and doing it in Java keeps it exact and
 * identical on every platform. Stateful; one instance per unroll.
 */
public interface PhiOptimizer {
    /** Updates {@code phi} in place from the gradient {@code grad} at step {@code t}. */
    void step(float[] phi, float[] grad, int t);

    /** Updates {@code phi} in place; rules that use the loss (learned optimizers) override this. */
    default void step(float[] phi, float[] grad, double loss, int t) {
        step(phi, grad, t);
    }

    /** Called when the metric was observed at step {@code t} (value-function rules adapt here). */
    default void observe(int t, double metric, float[] phi) {}

    /**
     * Called once before the first observation with the task's {@link
     * org.metricopt.common.valuefn.TaskFeatures} (rules conditioned on the task context use them).
     */
    default void begin(float[] features) {}

    /**
     * A rule guided by a value function: its current gradient in phi is reported for diagnostics
     * (docs/DESIGN.md section 6) at every observation, after the rule has seen that observation.
     */
    interface ValueGuided {
        /** The raw gradient of the rule's current value function at phi (before any scaling). */
        float[] valueGradient(float[] phi);
    }

    static PhiOptimizer create(String name, double learningRate, double momentum, int dim) {
        return switch (name) {
            case "sgd" -> new Sgd(learningRate, momentum, dim);
            case "adam" -> new Adam(learningRate, 0.9, 0.999, 1e-8, dim);
            default ->
                    throw new IllegalArgumentException(
                            "optimizer '" + name + "' is unknown; allowed: sgd, adam");
        };
    }

    /** SGD with heavy-ball momentum: v = mu v + g; phi -= lr v. */
    final class Sgd implements PhiOptimizer {
        private final double lr;
        private final double momentum;
        private final double[] velocity;

        public Sgd(double lr, double momentum, int dim) {
            this.lr = lr;
            this.momentum = momentum;
            this.velocity = new double[dim];
        }

        @Override
        public void step(float[] phi, float[] grad, int t) {
            for (int i = 0; i < phi.length; i++) {
                velocity[i] = momentum * velocity[i] + grad[i];
                phi[i] = (float) (phi[i] - lr * velocity[i]);
            }
        }
    }

    /** Adam (Kingma and Ba 2015) with bias correction. */
    final class Adam implements PhiOptimizer {
        private final double lr;
        private final double beta1;
        private final double beta2;
        private final double eps;
        private final double[] m;
        private final double[] v;

        public Adam(double lr, double beta1, double beta2, double eps, int dim) {
            this.lr = lr;
            this.beta1 = beta1;
            this.beta2 = beta2;
            this.eps = eps;
            this.m = new double[dim];
            this.v = new double[dim];
        }

        @Override
        public void step(float[] phi, float[] grad, int t) {
            double c1 = 1 - Math.pow(beta1, t + 1);
            double c2 = 1 - Math.pow(beta2, t + 1);
            for (int i = 0; i < phi.length; i++) {
                m[i] = beta1 * m[i] + (1 - beta1) * grad[i];
                v[i] = beta2 * v[i] + (1 - beta2) * grad[i] * grad[i];
                double mh = m[i] / c1;
                double vh = v[i] / c2;
                phi[i] = (float) (phi[i] - lr * mh / (Math.sqrt(vh) + eps));
            }
        }
    }
}
