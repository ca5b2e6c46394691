package org.metricopt.executor;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.util.ArrayList;
import java.util.List;
import org.metricopt.common.interp.Interpolation;
import org.metricopt.common.outer.EsResult;
import org.metricopt.common.outer.EsUnit;
import org.metricopt.common.outer.PhaseAResult;
import org.metricopt.common.outer.PhaseBPayload;
import org.metricopt.common.tasks.TaskSpec;
import org.metricopt.common.unroll.TaskStatus;
import org.metricopt.common.unroll.Trajectory;
import org.metricopt.common.valuefn.TaskAdaptation;

/**
 * Explicit Kryo serializers of the records that travel between driver and executors. Records have
 * final fields that Kryo 4's field serializer cannot set, and an explicit layout keeps the bytes
 * small and the wire format under this project's control.
 */
final class KryoCodecs {
    private KryoCodecs() {}

    static void writeFloats(Output out, float[] a) {
        out.writeVarInt(a.length, true);
        out.writeFloats(a);
    }

    static float[] readFloats(Input in) {
        return in.readFloats(in.readVarInt(true));
    }

    static void writeInts(Output out, int[] a) {
        out.writeVarInt(a.length, true);
        out.writeInts(a);
    }

    static int[] readInts(Input in) {
        return in.readInts(in.readVarInt(true));
    }

    static void writeDoubles(Output out, double[] a) {
        out.writeVarInt(a.length, true);
        out.writeDoubles(a);
    }

    static double[] readDoubles(Input in) {
        return in.readDoubles(in.readVarInt(true));
    }

    /** Serializer of {@link TaskSpec}. */
    static final class TaskSpecSerializer extends Serializer<TaskSpec> {
        @Override
        public void write(Kryo kryo, Output out, TaskSpec s) {
            out.writeString(s.stream());
            out.writeLong(s.iteration());
            out.writeInt(s.index());
            out.writeLong(s.seed());
            out.writeString(s.family());
            out.writeString(s.kind());
            out.writeString(s.metric());
            out.writeString(s.loss());
            writeInts(out, s.classes());
            out.writeDouble(s.positiveFraction());
            out.writeInt(s.minEvalPositives());
            out.writeDouble(s.labelNoise());
            writeDoubles(out, s.classWeights());
            out.writeDouble(s.contrast());
            out.writeDouble(s.brightness());
            out.writeDouble(s.noiseStd());
            out.writeDouble(s.rotationDeg());
            out.writeInt(s.trainSize());
            out.writeInt(s.valSize());
            out.writeInt(s.testSize());
            out.writeBoolean(s.metaTestPool());
            out.writeInt(s.steps());
            writeInts(out, s.observationSteps());
            out.writeInt(s.batchSize());
            out.writeString(s.optimizer());
            out.writeDouble(s.learningRate());
            out.writeDouble(s.momentum());
            out.writeDouble(s.phiInitStd());
            out.writeInt(s.probePairs());
            out.writeDouble(s.probeRadius());
        }

        @Override
        public TaskSpec read(Kryo kryo, Input in, Class<TaskSpec> type) {
            return TaskSpec.builder().stream(in.readString())
                    .iteration(in.readLong())
                    .index(in.readInt())
                    .seed(in.readLong())
                    .family(in.readString())
                    .kind(in.readString())
                    .metric(in.readString())
                    .loss(in.readString())
                    .classes(readInts(in))
                    .positiveFraction(in.readDouble())
                    .minEvalPositives(in.readInt())
                    .labelNoise(in.readDouble())
                    .classWeights(readDoubles(in))
                    .contrast(in.readDouble())
                    .brightness(in.readDouble())
                    .noiseStd(in.readDouble())
                    .rotationDeg(in.readDouble())
                    .trainSize(in.readInt())
                    .valSize(in.readInt())
                    .testSize(in.readInt())
                    .metaTestPool(in.readBoolean())
                    .steps(in.readInt())
                    .observationSteps(readInts(in))
                    .batchSize(in.readInt())
                    .optimizer(in.readString())
                    .learningRate(in.readDouble())
                    .momentum(in.readDouble())
                    .phiInitStd(in.readDouble())
                    .probePairs(in.readInt())
                    .probeRadius(in.readDouble())
                    .build();
        }
    }

    /** Serializer of {@link Trajectory}. */
    static final class TrajectorySerializer extends Serializer<Trajectory> {
        @Override
        public void write(Kryo kryo, Output out, Trajectory t) {
            out.writeString(t.taskId());
            out.writeInt(t.index());
            out.writeString(t.family());
            out.writeString(t.method());
            out.writeString(t.status().id());
            out.writeString(t.failure());
            out.writeInt(t.adapterDim());
            writeFloats(out, t.phis());
            writeFloats(out, t.losses());
            writeInts(out, t.observedSteps());
            writeDoubles(out, t.observedMetrics());
            writeDoubles(out, t.observedTestMetrics());
            out.writeDouble(t.testMetricInitial());
            out.writeDouble(t.testMetricFinal());
            out.writeDouble(t.testMetricBestObserved());
            writeFloats(out, t.features());
            writeDoubles(out, t.probeMetrics());
            writeDoubles(out, t.valueDiagnostics());
            out.writeLong(t.computeNanos());
        }

        @Override
        public Trajectory read(Kryo kryo, Input in, Class<Trajectory> type) {
            return new Trajectory(
                    in.readString(),
                    in.readInt(),
                    in.readString(),
                    in.readString(),
                    TaskStatus.of(in.readString()),
                    in.readString(),
                    in.readInt(),
                    readFloats(in),
                    readFloats(in),
                    readInts(in),
                    readDoubles(in),
                    readDoubles(in),
                    in.readDouble(),
                    in.readDouble(),
                    in.readDouble(),
                    readFloats(in),
                    readDoubles(in),
                    readDoubles(in),
                    in.readLong());
        }
    }

    /** Serializer of {@link EvalUnit}. */
    static final class EvalUnitSerializer extends Serializer<EvalUnit> {
        private final TaskSpecSerializer specs = new TaskSpecSerializer();

        @Override
        public void write(Kryo kryo, Output out, EvalUnit u) {
            specs.write(kryo, out, u.spec());
            out.writeString(u.method());
            out.writeDouble(u.learningRate());
            out.writeDouble(u.lambda());
        }

        @Override
        public EvalUnit read(Kryo kryo, Input in, Class<EvalUnit> type) {
            TaskSpec spec = specs.read(kryo, in, TaskSpec.class);
            return new EvalUnit(spec, in.readString(), in.readDouble(), in.readDouble());
        }
    }

    /** Serializer of {@link EsUnit}. */
    static final class EsUnitSerializer extends Serializer<EsUnit> {
        private final TaskSpecSerializer specs = new TaskSpecSerializer();

        @Override
        public void write(Kryo kryo, Output out, EsUnit u) {
            specs.write(kryo, out, u.spec());
            out.writeLong(u.iteration());
            out.writeInt(u.task());
            out.writeInt(u.firstPair());
            out.writeInt(u.pairs());
        }

        @Override
        public EsUnit read(Kryo kryo, Input in, Class<EsUnit> type) {
            TaskSpec spec = specs.read(kryo, in, TaskSpec.class);
            return new EsUnit(spec, in.readLong(), in.readInt(), in.readInt(), in.readInt());
        }
    }

    /** Serializer of {@link EsResult}: the key and two losses, a few dozen bytes. */
    static final class EsResultSerializer extends Serializer<EsResult> {
        @Override
        public void write(Kryo kryo, Output out, EsResult r) {
            out.writeLong(r.iteration());
            out.writeInt(r.task());
            out.writeInt(r.pair());
            out.writeDouble(r.lossPlus());
            out.writeDouble(r.lossMinus());
            out.writeInt(r.diverged());
            out.writeLong(r.epsilonHash());
            out.writeLong(r.computeNanos());
            writeFloats(out, r.reparamPlus());
            writeFloats(out, r.reparamMinus());
        }

        @Override
        public EsResult read(Kryo kryo, Input in, Class<EsResult> type) {
            return new EsResult(
                    in.readLong(),
                    in.readInt(),
                    in.readInt(),
                    in.readDouble(),
                    in.readDouble(),
                    in.readInt(),
                    in.readLong(),
                    in.readLong(),
                    readFloats(in),
                    readFloats(in));
        }
    }

    /** Serializer of {@link MetaTestPayload}. */
    static final class MetaTestPayloadSerializer extends Serializer<MetaTestPayload> {
        @Override
        public void write(Kryo kryo, Output out, MetaTestPayload p) {
            writeFloats(out, p.valueWeights());
            writeFloats(out, p.scalerMean());
            writeFloats(out, p.scalerStd());
            writeFloats(out, p.learnedWeights());
        }

        @Override
        public MetaTestPayload read(Kryo kryo, Input in, Class<MetaTestPayload> type) {
            return new MetaTestPayload(
                    readFloats(in), readFloats(in), readFloats(in), readFloats(in));
        }
    }

    /** Serializer of {@link PhaseBPayload}. */
    static final class PhaseBPayloadSerializer extends Serializer<PhaseBPayload> {
        @Override
        public void write(Kryo kryo, Output out, PhaseBPayload p) {
            writeFloats(out, p.learnedWeights());
            writeFloats(out, p.scalerMean());
            writeFloats(out, p.scalerStd());
            out.writeInt(p.tasks().size());
            for (PhaseBPayload.AdaptedValue t : p.tasks()) {
                writeFloats(out, t.weights());
                writeFloats(out, t.context());
                out.writeDouble(t.offset());
            }
        }

        @Override
        public PhaseBPayload read(Kryo kryo, Input in, Class<PhaseBPayload> type) {
            float[] learned = readFloats(in);
            float[] mean = readFloats(in);
            float[] std = readFloats(in);
            int n = in.readInt();
            List<PhaseBPayload.AdaptedValue> tasks = new ArrayList<>(n);
            for (int k = 0; k < n; k++) {
                tasks.add(
                        new PhaseBPayload.AdaptedValue(
                                readFloats(in), readFloats(in), in.readDouble()));
            }
            return new PhaseBPayload(learned, mean, std, tasks);
        }
    }

    /**
     * Serializer of {@link PhaseAResult}: the trajectory, the executor's location, then the
     * adaptation if any.
     */
    static final class PhaseAResultSerializer extends Serializer<PhaseAResult> {
        private final TrajectorySerializer trajectories = new TrajectorySerializer();

        @Override
        public void write(Kryo kryo, Output out, PhaseAResult r) {
            trajectories.write(kryo, out, r.trajectory());
            out.writeString(r.executor());
            TaskAdaptation a = r.adaptation();
            out.writeBoolean(a != null);
            if (a != null) {
                out.writeInt(a.index());
                out.writeLong(a.weightsHash());
                writeFloats(out, a.adapted());
                writeFloats(out, a.context());
                out.writeDouble(a.offset());
                writeDoubles(out, a.interp().mean());
                writeDoubles(out, a.interp().std());
                writeFloats(out, a.prior());
                out.writeDouble(a.lossBefore());
                out.writeDouble(a.lossAfter());
                out.writeDouble(a.spearmanPrior());
                out.writeDouble(a.spearmanStep());
            }
        }

        @Override
        public PhaseAResult read(Kryo kryo, Input in, Class<PhaseAResult> type) {
            Trajectory t = trajectories.read(kryo, in, Trajectory.class);
            String executor = in.readString();
            if (!in.readBoolean()) {
                return new PhaseAResult(t, null, executor);
            }
            return new PhaseAResult(
                    t,
                    new TaskAdaptation(
                            in.readInt(),
                            in.readLong(),
                            readFloats(in),
                            readFloats(in),
                            in.readDouble(),
                            new Interpolation(readDoubles(in), readDoubles(in)),
                            readFloats(in),
                            in.readDouble(),
                            in.readDouble(),
                            in.readDouble(),
                            in.readDouble()),
                    executor);
        }
    }
}
