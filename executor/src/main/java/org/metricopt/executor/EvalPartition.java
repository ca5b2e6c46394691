package org.metricopt.executor;

import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.metricopt.common.config.ValueFunctionConfig;
import org.metricopt.common.learned.LearnedOptimizer;
import org.metricopt.common.nets.TaskNetwork;
import org.metricopt.common.tasks.TaskSpec;
import org.metricopt.common.unroll.Method;
import org.metricopt.common.unroll.PhiOptimizer;
import org.metricopt.common.unroll.TaskRunner;
import org.metricopt.common.unroll.Trajectory;
import org.metricopt.common.valuefn.MetricOptRule;
import org.metricopt.common.valuefn.OracleDirectionRule;
import org.metricopt.common.valuefn.RandomDirectionRule;
import org.metricopt.common.valuefn.ValueLearner;

/**
 * The executor side of meta-test: runs each {@link EvalUnit} with its method. MetricOpt methods
 * start from the broadcast meta-learned value function ({@link MetaTestPayload}) and adapt it
 * online inside the unroll; the random-direction controls add a random direction of the same norm
 * instead; the baselines ignore it.
 */
public final class EvalPartition implements FlatMapFunction<Iterator<EvalUnit>, Trajectory> {
    private static final long serialVersionUID = 1L;

    private final ExecutorContext context;
    private final ValueFunctionConfig valueFunction;
    private final Broadcast<MetaTestPayload> metaState;
    private final int learnedHidden;
    private final List<String> families;
    private final long seed;

    /**
     * @param metaState the meta-learned value function and learned optimizer
     * @param families the run's task families in their configured order (the value function's
     *     context)
     * @param seed the run seed
     */
    public EvalPartition(
            ExecutorContext context,
            ValueFunctionConfig valueFunction,
            int learnedHidden,
            Broadcast<MetaTestPayload> metaState,
            List<String> families,
            long seed) {
        this.context = context;
        this.valueFunction = valueFunction;
        this.learnedHidden = learnedHidden;
        this.metaState = metaState;
        this.families = List.copyOf(families);
        this.seed = seed;
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
        Method method = unit.kind();
        String opt = method.baseOptimizer();
        TaskSpec spec = unit.spec().withOptimizer(opt, unit.learningRate());
        int d = runner.network().adapterDim();
        if (method.rule() == Method.Rule.LEARNED_OPTIMIZER) {
            // At meta-test only the learned optimizer is used; the value function is dropped, and
            // its metric input is the last observed validation metric.
            LearnedOptimizer learned =
                    new LearnedOptimizer(
                            metaState.value().learnedWeights(),
                            learnedHidden,
                            unit.learningRate(),
                            d);
            return runner.run(spec, unit.method(), learned);
        }
        PhiOptimizer base = PhiOptimizer.create(opt, unit.learningRate(), spec.momentum(), d);
        switch (method.rule()) {
            case CROSS_ENTROPY -> {
                return runner.run(spec, unit.method(), base);
            }
            case AP_SURROGATE -> {
                return runner.run(spec.withLoss(TaskNetwork.AP_SURROGATE), unit.method(), base);
            }
            case VALUE_FUNCTION -> {
                MetaTestPayload state = metaState.value();
                MetricOptRule rule =
                        new MetricOptRule(
                                base,
                                new ValueLearner(valueFunction, d, families, seed),
                                state.valueWeights(),
                                state.scaler(),
                                d,
                                spec.family(),
                                unit.lambda(),
                                spec.seed());
                return runner.run(spec, unit.method(), rule);
            }
            case ORACLE_DIRECTION -> {
                return runner.run(
                        spec,
                        unit.method(),
                        net -> new OracleDirectionRule(base, unit.lambda(), net));
            }
            case RANDOM_DIRECTION -> {
                return runner.run(
                        spec,
                        unit.method(),
                        new RandomDirectionRule(base, unit.lambda(), spec.seed()));
            }
            default -> throw new IllegalStateException("unhandled method " + unit.method());
        }
    }
}
