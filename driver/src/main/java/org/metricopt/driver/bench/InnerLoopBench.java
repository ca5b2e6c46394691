package org.metricopt.driver.bench;

import ai.djl.ndarray.NDManager;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.metricopt.common.config.ConfigLoader;
import org.metricopt.common.config.NetworkConfig;
import org.metricopt.common.data.FashionMnist;
import org.metricopt.common.nets.BaseNetwork;
import org.metricopt.common.nets.EngineSetup;
import org.metricopt.common.nets.TaskNetwork;
import org.metricopt.common.nets.Theta;
import org.metricopt.common.tasks.TaskData;
import org.metricopt.common.tasks.TaskSpec;
import org.metricopt.common.unroll.PhiOptimizer;

/**
 * The {@code inner-loop} benchmark: steps per second of the finetuning inner loop as the project
 * runs it, {@code phi -> TaskNetwork.lossAndGradient -> SGD update}, with the PyTorch engine on one
 * intra-op thread.
 *
 * <p>The task is fixed so that a plain PyTorch loop can run the same work: the first {@link
 * #IMAGES} Fashion-MNIST training images in file order, ten-class cross-entropy, batch {@link
 * #BATCH}, and minibatch k made of images {@code (128 k + i) mod 10000} for i in [0, 128). Theta is
 * random (He-normal, {@link Theta#initialise}): the cost of a step does not depend on its values.
 * Each run starts from phi = 0, takes the warm-up steps untimed and then the timed steps.
 *
 * <p>With {@code members} M above 1, each step is one batched graph of M adapters on the same
 * minibatch ({@link TaskNetwork#populationLossAndGradient}, phase B's population graph), each
 * adapter taking its own SGD step, and the figures count member-steps. A graph that batches M
 * <em>tasks</em> does the same matmuls and more (a gather per task, a label set per task), so its
 * member-steps per second bound what batching tasks into one graph can gain on this machine
 * (docs/DESIGN.md section 4, phase B).
 */
public final class InnerLoopBench {
    /** Training images the minibatches cycle through. */
    public static final int IMAGES = 10_000;

    /** Minibatch size. */
    public static final int BATCH = 128;

    /** SGD learning rate (conf/defaults.conf inner.sgd-learning-rate); momentum is 0. */
    public static final double LEARNING_RATE = 0.1;

    /** Validation and test examples the task network binds; the timed loop never reads them. */
    private static final int EVAL_IMAGES = 128;

    private static final long THETA_SEED = 7L;

    /**
     * The samples of one invocation and a sanity check that the loop did learn something.
     *
     * @param stepsPerSecond timed steps divided by their wall time, one value per run
     * @param stepsPerCpuSecond timed steps divided by the CPU time of the benchmark thread, which
     *     runs every native op at one intra-op thread; less sensitive than wall time to other load
     *     on a shared machine, blind to work on other threads (JIT, GC)
     * @param firstLoss the loss of the first step of the last run (phi = 0)
     * @param lastLoss the loss of the last timed step of the last run
     * @param adapterDim the size of phi
     */
    public record Result(
            double[] stepsPerSecond,
            double[] stepsPerCpuSecond,
            double firstLoss,
            double lastLoss,
            int adapterDim) {}

    private final Workload workload;
    private final String dataRoot;
    private final int warmupSteps;
    private final int timedSteps;

    private final String conf;
    private final List<String> overrides;
    private final int members;

    public InnerLoopBench(Workload workload, String dataRoot, int warmupSteps, int timedSteps) {
        this(workload, dataRoot, warmupSteps, timedSteps, null, List.of(), 1);
    }

    /**
     * @param conf configuration file whose network settings the loop uses (null: the defaults)
     * @param overrides configuration overrides; the workload's {@code network.kind} comes last
     * @param members adapters per batched graph (1: the single-task loop)
     */
    public InnerLoopBench(
            Workload workload,
            String dataRoot,
            int warmupSteps,
            int timedSteps,
            String conf,
            List<String> overrides,
            int members) {
        if (members < 1) {
            throw new IllegalArgumentException("members must be >= 1; got " + members);
        }
        if (warmupSteps < 1 || timedSteps < 1) {
            throw new IllegalArgumentException(
                    "warm-up steps and timed steps must both be >= 1; got "
                            + warmupSteps
                            + " and "
                            + timedSteps);
        }
        this.workload = workload;
        this.dataRoot = dataRoot;
        this.warmupSteps = warmupSteps;
        this.timedSteps = timedSteps;
        this.conf = conf;
        this.overrides = List.copyOf(overrides);
        this.members = members;
    }

    /** The network of {@code workload}: the project defaults with {@code network.kind} set. */
    public static NetworkConfig network(Workload workload) {
        return network(workload, null, List.of());
    }

    /** The network of {@code workload} in a configuration, its {@code network.kind} set. */
    static NetworkConfig network(Workload workload, String conf, List<String> overrides) {
        List<String> o = new java.util.ArrayList<>(overrides);
        o.add("network.kind=" + workload.networkKind());
        return ConfigLoader.load(conf, o).network();
    }

    /** Rows of minibatch {@code k}: {@code (batch k + i) mod n} for i in [0, batch). */
    public static int[] rows(int k, int batch, int n) {
        int[] rows = new int[batch];
        int start = (int) ((long) batch * k % n);
        for (int i = 0; i < batch; i++) {
            rows[i] = (start + i) % n;
        }
        return rows;
    }

    /** Binds the task network once and times {@code repeats} runs of the loop on it. */
    public Result run(int repeats) {
        if (repeats < 1) {
            throw new IllegalArgumentException("repeats must be >= 1; got " + repeats);
        }
        EngineSetup.configure(1);
        FashionMnist ds = FashionMnist.load(new Configuration(), dataRoot);
        NetworkConfig network = network(workload, conf, overrides);
        Theta theta = Theta.initialise(network, THETA_SEED);
        BaseNetwork net = BaseNetwork.of(network);
        int steps = warmupSteps + timedSteps;
        TaskSpec spec = BenchData.spec(IMAGES, EVAL_IMAGES, BATCH, steps, LEARNING_RATE);
        TaskData data = BenchData.taskData(ds, IMAGES, EVAL_IMAGES);
        double[] samples = new double[repeats];
        double[] cpuSamples = new double[repeats];
        double[] losses = new double[2];
        try (NDManager manager = NDManager.newBaseManager();
                TaskNetwork task = new TaskNetwork(manager, net, theta, spec, data)) {
            for (int r = 0; r < repeats; r++) {
                double[] rates = timedRun(task, net.adapterDim(), losses);
                samples[r] = rates[0];
                cpuSamples[r] = rates[1];
            }
        }
        return new Result(samples, cpuSamples, losses[0], losses[1], net.adapterDim());
    }

    /**
     * One run from phi = 0; returns timed steps per wall second and per CPU second of this thread,
     * and writes the first and the last loss.
     */
    private double[] timedRun(TaskNetwork task, int d, double[] losses) {
        float[] phi = new float[members * d];
        float[] grad = new float[members * d];
        // Without momentum SGD is elementwise, so one rule over the M adapters laid end to end
        // is each adapter's own SGD step.
        PhiOptimizer sgd = new PhiOptimizer.Sgd(LEARNING_RATE, 0.0, members * d);
        int k = 0;
        losses[0] = step(task, sgd, phi, grad, k++);
        while (k < warmupSteps) {
            step(task, sgd, phi, grad, k++);
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long cpuStart = threads.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        double loss = Double.NaN;
        for (int t = 0; t < timedSteps; t++) {
            loss = step(task, sgd, phi, grad, k++);
        }
        long elapsed = System.nanoTime() - start;
        long cpu = threads.getCurrentThreadCpuTime() - cpuStart;
        losses[1] = loss;
        double memberSteps = (double) timedSteps * members;
        return new double[] {memberSteps * 1e9 / elapsed, memberSteps * 1e9 / cpu};
    }

    /** One step of every member; returns the first member's loss. */
    private double step(TaskNetwork task, PhiOptimizer sgd, float[] phi, float[] grad, int k) {
        int[] rows = rows(k, BATCH, IMAGES);
        double loss =
                members == 1
                        ? task.lossAndGradient(phi, rows, grad)
                        : task.populationLossAndGradient(phi, members, rows, grad)[0];
        sgd.step(phi, grad, loss, k);
        return loss;
    }
}
