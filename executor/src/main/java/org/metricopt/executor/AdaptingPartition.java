package org.metricopt.executor;

import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;
import org.metricopt.common.config.ValueFunctionConfig;
import org.metricopt.common.outer.PhaseAResult;
import org.metricopt.common.tasks.TaskSpec;
import org.metricopt.common.unroll.Trajectory;
import org.metricopt.common.valuefn.TaskAdaptation;
import org.metricopt.common.valuefn.ValueLearner;

/**
 * Phase A of a meta-iteration on the executors with the value function's adaptation as each task's
 * last step (meta-train.adapt-on = executors; docs/DESIGN.md section 4.1): the wrapped function
 * unrolls the tasks; each successful trajectory is then adapted to, on the same executor, from the
 * broadcast meta-weights and scaler. Only the trajectory and the adapted weights go back, so the
 * driver's share of the iteration does not grow with the number of tasks beyond averaging them.
 * Without a broadcast (the first iteration, whose scaler is fitted on its own trajectories) it
 * returns the trajectories alone.
 *
 * @param <T> the wrapped function's work item (a task spec, or a unit holding one)
 */
public final class AdaptingPartition<T> implements FlatMapFunction<Iterator<T>, PhaseAResult> {
    private static final long serialVersionUID = 1L;

    private final FlatMapFunction<Iterator<T>, Trajectory> unrolls;
    private final Function<T, TaskSpec> specOf;
    private final Broadcast<MetaTestPayload> values;
    private final ValueFunctionConfig valueFunction;
    private final int adapterDim;
    private final List<String> families;
    private final long seed;
    private final long iteration;

    /**
     * @param unrolls the phase-A unrolls
     * @param specOf a work item's task, as the driver's meta-iteration lists it
     * @param values the meta-weights and input scaler to adapt from, or null not to adapt
     * @param families the run's task families in their configured order
     * @param iteration the meta-iteration (keys of the ranking term's pairs)
     */
    public AdaptingPartition(
            FlatMapFunction<Iterator<T>, Trajectory> unrolls,
            Function<T, TaskSpec> specOf,
            Broadcast<MetaTestPayload> values,
            ValueFunctionConfig valueFunction,
            int adapterDim,
            List<String> families,
            long seed,
            long iteration) {
        this.unrolls = unrolls;
        this.specOf = specOf;
        this.values = values;
        this.valueFunction = valueFunction;
        this.adapterDim = adapterDim;
        this.families = List.copyOf(families);
        this.seed = seed;
        this.iteration = iteration;
    }

    @Override
    public Iterator<PhaseAResult> call(Iterator<T> items) throws Exception {
        Map<Integer, TaskSpec> specs = new HashMap<>();
        Iterator<T> recorded =
                new Iterator<>() {
                    @Override
                    public boolean hasNext() {
                        return items.hasNext();
                    }

                    @Override
                    public T next() {
                        T item = items.next();
                        try {
                            TaskSpec spec = specOf.call(item);
                            specs.put(spec.index(), spec);
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                        return item;
                    }
                };
        Iterator<Trajectory> trajectories = unrolls.call(recorded);
        String executor = ExecutorLocation.current();
        ValueLearner learner =
                values == null ? null : new ValueLearner(valueFunction, adapterDim, families, seed);
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return trajectories.hasNext();
            }

            @Override
            public PhaseAResult next() {
                Trajectory t = trajectories.next();
                TaskSpec spec = specs.remove(t.index());
                if (learner == null || !t.ok() || spec == null) {
                    return new PhaseAResult(t, null, executor);
                }
                MetaTestPayload p = values.value();
                long start = System.nanoTime();
                TaskAdaptation a = learner.adapt(p.valueWeights(), p.scaler(), t, spec, iteration);
                // The task's executor time includes its adaptation, as the executor-share
                // figures of the metrics log expect.
                return new PhaseAResult(
                        t.withComputeNanos(t.computeNanos() + System.nanoTime() - start),
                        a,
                        executor);
            }
        };
    }
}
