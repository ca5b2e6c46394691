package org.metricopt.driver.meta;

import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.outer.MetaLearner;
import org.metricopt.common.tasks.TaskSpec;
import org.metricopt.common.unroll.Trajectory;
import org.metricopt.driver.FinetuneJob;
import org.metricopt.driver.SparkSessions;
import org.metricopt.executor.ExecutorContext;

/**
 * Phase A of the value-function-only meta-iteration. Its unrolls use SGD or Adam on tasks that are
 * a function of the seed and the iteration alone, never the meta-state, so iteration {@code it +
 * 1}'s job is submitted as soon as iteration {@code it}'s: under Spark's FIFO scheduling it only
 * gets the task slots that the tail of iteration {@code it} leaves idle (while its last tasks
 * finish and the driver does GP, adaptation and Reptile), so the cores stay busy across iteration
 * boundaries. The results are the same as unrolling one iteration at a time; a job submitted ahead
 * and never taken (the run stopped) is cancelled on close. With the learned optimizer on, phase A
 * depends on the previous iteration's w_opt and is not submitted ahead.
 */
final class PhaseAPipeline implements AutoCloseable {
    private final SparkSession spark;
    private final MetricOptConfig config;
    private final ExecutorContext ctx;
    private final long total;
    private long aheadIteration = -1;
    private FinetuneJob.PendingTasks ahead;

    PhaseAPipeline(SparkSession spark, MetricOptConfig config, ExecutorContext ctx, long total) {
        this.spark = spark;
        this.config = config;
        this.ctx = ctx;
        this.total = total;
    }

    /** Iteration {@code it}'s trajectories in task order; submits iteration it + 1's first. */
    List<Trajectory> take(long it) {
        FinetuneJob.PendingTasks current;
        if (ahead != null && aheadIteration == it) {
            current = ahead;
            ahead = null;
        } else {
            close();
            current = submit(it);
        }
        if (it + 1 < total) {
            ahead = submit(it + 1);
            aheadIteration = it + 1;
        }
        return current.await();
    }

    private FinetuneJob.PendingTasks submit(long it) {
        List<TaskSpec> specs = MetaLearner.tasks(config, it);
        return FinetuneJob.submitTasks(
                spark,
                ctx,
                specs,
                SparkSessions.partitions(spark, config, specs.size()),
                String.format("metricopt-iter-%06d-phase-a", it));
    }

    @Override
    public void close() {
        if (ahead != null) {
            ahead.cancel();
            ahead = null;
        }
    }
}
