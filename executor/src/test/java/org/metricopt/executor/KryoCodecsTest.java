package org.metricopt.executor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.List;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Test;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.interp.Interpolation;
import org.metricopt.common.outer.EsResult;
import org.metricopt.common.outer.PhaseAResult;
import org.metricopt.common.outer.PhaseBPayload;
import org.metricopt.common.tasks.TaskSampler;
import org.metricopt.common.tasks.TaskSpec;
import org.metricopt.common.testing.Fixtures;
import org.metricopt.common.unroll.TaskStatus;
import org.metricopt.common.unroll.Trajectory;
import org.metricopt.common.valuefn.TaskAdaptation;
import scala.reflect.ClassTag$;

class KryoCodecsTest {
    private final SerializerInstance kryo =
            new KryoSerializer(SparkTestBase.testConf("local[1]", "kryo")).newInstance();

    private <T> T roundTrip(T value, Class<T> type) {
        ByteBuffer bytes = kryo.serialize(value, ClassTag$.MODULE$.apply(type));
        return kryo.deserialize(bytes, ClassTag$.MODULE$.apply(type));
    }

    @Test
    void taskSpecRoundTripsFieldForField() {
        MetricOptConfig config = Fixtures.smallConfig();
        TaskSampler sampler = new TaskSampler(config);
        for (int i = 0; i < 20; i++) {
            TaskSpec spec = sampler.sample(TaskSampler.META_TRAIN, 3, i);
            TaskSpec back = roundTrip(spec, TaskSpec.class);
            assertThat(back).usingRecursiveComparison().isEqualTo(spec);
        }
    }

    @Test
    void broadcastPayloadsRoundTripWithTheirFieldsNamed() {
        MetaTestPayload meta =
                new MetaTestPayload(
                        new float[] {1f, 2f}, new float[] {0.5f}, new float[] {2f}, new float[0]);
        MetaTestPayload metaBack = roundTrip(meta, MetaTestPayload.class);
        assertThat(metaBack).usingRecursiveComparison().isEqualTo(meta);
        assertThat(metaBack.hasLearnedOptimizer()).isFalse();

        PhaseBPayload b =
                new PhaseBPayload(
                        new float[] {0.1f, -0.2f},
                        new float[] {0f, 1f},
                        new float[] {1f, 2f},
                        List.of(
                                new PhaseBPayload.AdaptedValue(
                                        new float[] {1f, 2f, 3f}, new float[] {0.25f}, 0.31),
                                PhaseBPayload.AdaptedValue.NONE));
        PhaseBPayload bBack = roundTrip(b, PhaseBPayload.class);
        assertThat(bBack).usingRecursiveComparison().isEqualTo(b);
        assertThat(bBack.bytes()).isEqualTo(4L * 6 + 4L * 4 + 8L * 2);
    }

    @Test
    void trajectoryRoundTripsBitForBit() {
        Trajectory t =
                new Trajectory(
                        "s/1/2",
                        2,
                        "fam",
                        "ce-adam",
                        TaskStatus.OK,
                        "",
                        2,
                        new float[] {1f, -0f, Float.MIN_VALUE, 3.5f},
                        new float[] {0.5f, 0.25f},
                        new int[] {0, 1},
                        new double[] {0.1, Double.NaN},
                        new double[] {0.15, 0.12},
                        0.3,
                        0.2,
                        0.25,
                        new float[] {0.7f, -1f},
                        new double[] {0.2, Double.NaN, 0.3, 0.4},
                        new double[] {0.5, 0.01},
                        123L);
        Trajectory back = roundTrip(t, Trajectory.class);
        assertThat(back)
                .usingRecursiveComparison()
                .ignoringFields("observedMetrics", "probeMetrics")
                .isEqualTo(t);
        assertThat(back.probeMetrics()[1]).isNaN();
        assertThat(back.probeMetrics()[3]).isEqualTo(0.4);
        assertThat(back.observedMetrics()[0]).isEqualTo(0.1);
        assertThat(back.observedMetrics()[1]).isNaN();
        assertThat(Float.floatToRawIntBits(back.phis()[1])).isEqualTo(Float.floatToRawIntBits(-0f));
    }

    @Test
    void aPhaseAResultRoundTripsWithAndWithoutItsAdaptation() {
        Trajectory t =
                new Trajectory(
                        "s/1/0",
                        0,
                        "fam",
                        "ce-sgd",
                        TaskStatus.OK,
                        "",
                        1,
                        new float[] {1f, 2f},
                        new float[] {0.5f, 0.25f},
                        new int[] {0, 1},
                        new double[] {0.1, 0.2},
                        new double[] {0.15, 0.12},
                        0.3,
                        0.2,
                        0.25,
                        new float[0],
                        new double[0],
                        new double[0],
                        7L);
        TaskAdaptation a =
                new TaskAdaptation(
                        0,
                        -42L,
                        new float[] {0.5f, -0f},
                        new float[] {1f},
                        0.3,
                        new Interpolation(new double[] {0.1, 0.2}, new double[] {0.01, 0.02}),
                        new float[] {0.3f, 0.2f},
                        1.5,
                        0.5,
                        Double.NaN,
                        1.0);
        PhaseAResult back =
                roundTrip(new PhaseAResult(t, a, "executor_10.0.0.2_7"), PhaseAResult.class);
        assertThat(back.trajectory()).usingRecursiveComparison().isEqualTo(t);
        assertThat(back.executor()).isEqualTo("executor_10.0.0.2_7");
        assertThat(back.adaptation())
                .usingRecursiveComparison()
                .ignoringFields("spearmanPrior")
                .isEqualTo(a);
        assertThat(back.adaptation().spearmanPrior()).isNaN();
        assertThat(Float.floatToRawIntBits(back.adaptation().adapted()[1]))
                .isEqualTo(Float.floatToRawIntBits(-0f));
        PhaseAResult bare = roundTrip(new PhaseAResult(t, null, ""), PhaseAResult.class);
        assertThat(bare.adaptation()).isNull();
        assertThat(bare.executor()).isEmpty();
    }

    @Test
    void anEsResultIsAFewDozenBytesWhateverTheSizeOfTheLearnedOptimizer() {
        EsResult r =
                new EsResult(
                        12L, 3, 1, 0.25, 0.5, 0, 987654321L, 1234L, new float[0], new float[0]);
        ByteBuffer bytes = kryo.serialize(r, ClassTag$.MODULE$.apply(EsResult.class));
        assertThat(bytes.remaining()).isLessThanOrEqualTo(64);
        EsResult back = roundTrip(r, EsResult.class);
        assertThat(back).usingRecursiveComparison().isEqualTo(r);
        assertThat(r.wireBytes()).isLessThanOrEqualTo(64);
        // Only the optional reparameterisation gradients have a size that depends on w_opt.
        for (var c : EsResult.class.getRecordComponents()) {
            if (!c.getName().startsWith("reparam")) {
                assertThat(c.getType().isPrimitive()).as(c.getName()).isTrue();
            }
        }
        EsResult withGradients =
                new EsResult(12L, 3, 1, 0.25, 0.5, 0, 1L, 1L, new float[162], new float[162]);
        assertThat(roundTrip(withGradients, EsResult.class).reparamMinus()).hasSize(162);
    }

    @Test
    void unregisteredTypesAreRefused() {
        assertThatThrownBy(
                        () ->
                                roundTrip(
                                        new java.util.concurrent.atomic.LongAdder(),
                                        java.util.concurrent.atomic.LongAdder.class))
                .hasMessageContaining("not registered");
    }
}
