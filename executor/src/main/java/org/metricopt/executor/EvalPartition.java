package org.metricopt.executor;

import java.util.Iterator;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.metricopt.common.config.ValueFunctionConfig;
import org.metricopt.common.learned.LearnedOptimizer;
import org.metricopt.common.nets.TaskNetwork;
import org.metricopt.common.tasks.TaskSpec;
import org.metricopt.common.unroll.PhiOptimizer;
import org.metricopt.common.unroll.TaskRunner;
import org.metricopt.common.unroll.Trajectory;
import org.metricopt.common.valuefn.InputScaler;
import org.metricopt.common.valuefn.MetricOptRule;

/**
 * The executor side of meta-test: runs each {@link EvalUnit} with its method. MetricOpt methods
 * start from the broadcast meta-learned value function ({w, scaler mean, scaler std}) and adapt it
 * online inside the unroll; the baselines ignore it.
 */
public final class EvalPartition implements FlatMapFunction<Iterator<EvalUnit>, Trajectory> {
    private static final long serialVersionUID = 1L;

    private final ExecutorContext context;
    private final ValueFunctionConfig valueFunction;
    private final Broadcast<float[][]> metaState;
    private final int learnedHidden;

    /**
     * @param metaState [value-function weights, scaler mean, scaler std, learned-optimizer weights
     *     (empty when there is none)]
     */
    public EvalPartition(
            ExecutorContext context,
            ValueFunctionConfig valueFunction,
            int learnedHidden,
            Broadcast<float[][]> metaState) {
        this.context = context;
        this.valueFunction = valueFunction;
        this.learnedHidden = learnedHidden;
        this.metaState = metaState;
    }

    @Override
    public Iterator<Trajectory> call(Iterator<EvalUnit> units) {
        TaskRunner runner = ExecutorResources.runner(context);
        FaultInjection.maybeFail("eval");
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return units.hasNext();
            }

            @Override
            public Trajectory next() {
                return run(runner, units.next());
            }
        };
    }

    Trajectory run(TaskRunner runner, EvalUnit unit) {
        String opt = EvalUnit.baseOptimizer(unit.method());
        TaskSpec spec = unit.spec().withOptimizer(opt, unit.learningRate());
        int d = runner.network().adapterDim();
        if ("metricopt-learned".equals(unit.method())) {
            // At meta-test only the learned optimizer is used; the value function is dropped, and
            // its metric input is the last observed validation metric.
            LearnedOptimizer learned =
                    new LearnedOptimizer(
                            metaState.value()[3], learnedHidden, unit.learningRate(), d);
            return runner.run(spec, unit.method(), learned);
        }
        PhiOptimizer base = PhiOptimizer.create(opt, unit.learningRate(), spec.momentum(), d);
        switch (unit.method()) {
            case "ce-sgd", "ce-adam" -> {
                return runner.run(spec, unit.method(), base);
            }
            case "ap-surrogate" -> {
                return runner.run(spec.withLoss(TaskNetwork.AP_SURROGATE), unit.method(), base);
            }
            case "metricopt-sgd", "metricopt-adam" -> {
                float[][] state = metaState.value();
                MetricOptRule rule =
                        new MetricOptRule(
                                base,
                                state[0],
                                new InputScaler(state[1], state[2]),
                                d,
                                valueFunction,
                                spec.seed());
                return runner.run(spec, unit.method(), rule);
            }
            default -> throw new IllegalArgumentException("unknown method " + unit.method());
        }
    }
}
