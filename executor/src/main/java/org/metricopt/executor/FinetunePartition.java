package org.metricopt.executor;

import java.util.Iterator;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.metricopt.common.tasks.TaskSpec;
import org.metricopt.common.unroll.TaskRunner;
import org.metricopt.common.unroll.Trajectory;

/**
 * The executor side of the {@code finetune} farm-out: a pure function from a partition of task
 * specs to their trajectories with each task's own optimizer (the CE baselines). Tasks run one
 * after another, each in its own native manager, so a partition holds native memory for one task at
 * a time.
 */
public final class FinetunePartition implements FlatMapFunction<Iterator<TaskSpec>, Trajectory> {
    private static final long serialVersionUID = 1L;

    private final ExecutorContext context;

    public FinetunePartition(ExecutorContext context) {
        this.context = context;
    }

    @Override
    public Iterator<Trajectory> call(Iterator<TaskSpec> specs) {
        TaskRunner runner = ExecutorResources.runner(context);
        FaultInjection.maybeFail("finetune");
        TaskContext tc = TaskContext.get();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return specs.hasNext() && (tc == null || !tc.isInterrupted());
            }

            @Override
            public Trajectory next() {
                return runner.runBaseline(specs.next());
            }
        };
    }
}
