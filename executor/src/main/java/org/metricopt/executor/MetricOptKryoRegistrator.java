package org.metricopt.executor;

import com.esotericsoftware.kryo.Kryo;
import org.apache.spark.serializer.KryoRegistrator;
import org.metricopt.common.outer.EsResult;
import org.metricopt.common.outer.EsUnit;
import org.metricopt.common.outer.PhaseAResult;
import org.metricopt.common.outer.PhaseBPayload;
import org.metricopt.common.tasks.TaskSpec;
import org.metricopt.common.unroll.Trajectory;

/**
 * The one list of every type this project ships through Spark's KryoSerializer. Runs and tests use
 * {@code spark.kryo.registrationRequired=true}, so a type missing here fails loudly instead of
 * silently falling back to writing class names.
 */
public final class MetricOptKryoRegistrator implements KryoRegistrator {
    @Override
    public void registerClasses(Kryo kryo) {
        kryo.register(TaskSpec.class, new KryoCodecs.TaskSpecSerializer());
        kryo.register(TaskSpec[].class);
        kryo.register(Trajectory.class, new KryoCodecs.TrajectorySerializer());
        kryo.register(Trajectory[].class);
        kryo.register(PhaseAResult.class, new KryoCodecs.PhaseAResultSerializer());
        kryo.register(PhaseAResult[].class);
        kryo.register(EvalUnit.class, new KryoCodecs.EvalUnitSerializer());
        kryo.register(EvalUnit[].class);
        kryo.register(EsUnit.class, new KryoCodecs.EsUnitSerializer());
        kryo.register(EsUnit[].class);
        kryo.register(EsResult.class, new KryoCodecs.EsResultSerializer());
        kryo.register(EsResult[].class);
        kryo.register(MetaTestPayload.class, new KryoCodecs.MetaTestPayloadSerializer());
        kryo.register(PhaseBPayload.class, new KryoCodecs.PhaseBPayloadSerializer());
        kryo.register(float[].class);
        kryo.register(float[][].class);
        kryo.register(double[].class);
        kryo.register(int[].class);
        kryo.register(long[].class);
        kryo.register(String[].class);
        kryo.register(Object[].class);
        // The slices of a job with preferred locations (phase B with spark.phase-b-locality).
        kryo.register(Object[][].class);
    }
}
