package org.metricopt.common.nets;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.Map;
import org.metricopt.common.tasks.TaskData;
import org.metricopt.common.tasks.TaskSpec;

/**
 * A base network bound to one task: theta and the task's examples live in a native manager owned by
 * this object, the frozen prefix of every example is computed once, and the task head maps the ten
 * logits to what the task's loss and metric see.
 *
 * <p>Heads: a multiclass task keeps the logits of its classes (a selection matrix) and uses softmax
 * cross-entropy; a one-vs-rest task for class c scores each example with the log-odds {@code z =
 * logit_c - logsumexp(other logits)} and uses binary cross-entropy. Not thread-safe; one per task.
 */
public final class TaskNetwork implements AutoCloseable {
    private final NDManager manager;
    private final BaseNetwork net;
    private final Map<String, NDArray> theta;
    private final NDArray trainPrefix;

    /** The training prefix as a table [n, features] (a view), for row gathers. */
    private final NDArray trainTable;

    private final NDArray valPrefix;
    private final NDArray testPrefix;
    private final int[] trainY;
    private final int[] valY;
    private final boolean binary;
    private final int outputs;

    /** Multiclass: null when the classes are all ten in order (see allClassesInOrder). */
    private final NDArray select;

    private final NDArray selectOthers;
    private final NDArray firstColumn;
    private final int adapterDim;
    private final Shape phiShape;
    private final boolean apSurrogate;
    private final float apTemperature;

    /** The seed of every backward pass: a float32 scalar 1 (never written). */
    private final NDArray seed;

    /** Float32 scalars -b of batch sizes b, the divisor of the mean loss, by size. */
    private final Map<Integer, NDArray> counts = new HashMap<>();

    // Per-step uploads of the methods whose arrays all die before they return (see Scratch).
    private final Scratch phiScratch = new Scratch();
    private final Scratch rowScratch = new Scratch();
    private final Scratch targetScratch = new Scratch();

    /** Loss id of the smooth-AP surrogate (binary tasks only). */
    public static final String AP_SURROGATE = "ap-surrogate";

    public TaskNetwork(
            NDManager parent, BaseNetwork net, Theta thetaValues, TaskSpec spec, TaskData data) {
        this.manager = parent.newSubManager();
        this.net = net;
        this.adapterDim = net.adapterDim();
        this.phiShape = net.phiShape();
        this.theta = thetaValues.toFrozenNDArrays(manager);
        this.trainY = data.trainY();
        this.valY = data.valY();
        this.binary = spec.isBinary();
        this.outputs = spec.numOutputs();
        this.apSurrogate = AP_SURROGATE.equals(spec.loss());
        if (apSurrogate && !binary) {
            throw new IllegalArgumentException(
                    "loss ap-surrogate needs a one-vs-rest task; task "
                            + spec.id()
                            + " is "
                            + spec.kind());
        }
        this.apTemperature = 0.5f;
        Autograd.setRecording(false);
        this.trainPrefix = prefix(data.trainX());
        this.trainTable = trainPrefix.reshape(trainPrefix.getShape().get(0), -1);
        this.seed = manager.create(1f);
        this.valPrefix = prefix(data.valX());
        this.testPrefix = prefix(data.testX());
        int[] classes = spec.classes();
        if (binary) {
            float[] sel = new float[BaseNetwork.CLASSES];
            float[] others = new float[BaseNetwork.CLASSES * (BaseNetwork.CLASSES - 1)];
            int c = classes[0];
            sel[c] = 1f;
            int col = 0;
            for (int j = 0; j < BaseNetwork.CLASSES; j++) {
                if (j != c) {
                    others[j * (BaseNetwork.CLASSES - 1) + col] = 1f;
                    col++;
                }
            }
            float[] first = new float[BaseNetwork.CLASSES - 1];
            first[0] = 1f;
            this.select = manager.create(sel, new Shape(BaseNetwork.CLASSES, 1));
            this.selectOthers =
                    manager.create(others, new Shape(BaseNetwork.CLASSES, BaseNetwork.CLASSES - 1));
            this.firstColumn = manager.create(first, new Shape(BaseNetwork.CLASSES - 1, 1));
        } else {
            float[] sel = new float[BaseNetwork.CLASSES * classes.length];
            for (int j = 0; j < classes.length; j++) {
                sel[classes[j] * classes.length + j] = 1f;
            }
            this.select =
                    allClassesInOrder(classes)
                            ? null
                            : manager.create(sel, new Shape(BaseNetwork.CLASSES, classes.length));
            this.selectOthers = null;
            this.firstColumn = null;
        }
    }

    private NDArray prefix(float[] x) {
        int n = x.length / BaseNetwork.INPUTS;
        try (NDArray input = Uploads.floats(manager, x, new Shape(n, BaseNetwork.INPUTS))) {
            return net.prefix(theta, input);
        }
    }

    public int adapterDim() {
        return adapterDim;
    }

    /**
     * Whether a multiclass task's classes are all ten in order, so that its selection matrix would
     * be the identity. Its task outputs are then the logits themselves, one matmul (and its
     * backward) less per step: selecting by the identity is exact for finite logits (each output is
     * its logit times 1 plus products that are zero), so the results are the same bits. Only a
     * non-finite logit behaves differently: the matmul spread it as NaN over its whole row (inf *
     * 0), which the loss does too, but the outputs no longer do.
     */
    private static boolean allClassesInOrder(int[] classes) {
        if (classes.length != BaseNetwork.CLASSES) {
            return false;
        }
        for (int j = 0; j < classes.length; j++) {
            if (classes[j] != j) {
                return false;
            }
        }
        return true;
    }

    /** Task outputs: [B, 1] log-odds for one-vs-rest, [B, C] logits for multiclass. */
    private NDArray taskOutputs(NDArray logits) {
        if (!binary) {
            return select == null ? logits : logits.matMul(select);
        }
        NDArray own = logits.matMul(select);
        NDArray others = logits.matMul(selectOthers);
        NDArray lse = others.matMul(firstColumn).sub(others.logSoftmax(1).matMul(firstColumn));
        return own.sub(lse);
    }

    /**
     * Surrogate loss on the given training rows at phi; writes d loss / d phi into {@code gradOut}
     * (length adapterDim) and returns the loss.
     */
    public double lossAndGradient(float[] phi, int[] rows, float[] gradOut) {
        try (NDManager step = manager.newSubManager()) {
            Autograd.setRecording(true);
            try {
                NDArray phiArray = phiScratch.floats(step, phi, adapterDim, phiShape);
                phiArray.setRequiresGradient(true);
                NDArray prefixRows = trainRows(rowScratch.rows(step, rows));
                NDArray out = taskOutputs(net.head(theta, prefixRows, phiArray));
                NDArray loss = loss(step, out, labels(rows), apSurrogate, targetScratch);
                double value = scalar(loss);
                Autograd.backward(loss, seed, false, false);
                readInto(phiArray.getGradient(), gradOut, adapterDim);
                return value;
            } finally {
                Autograd.setRecording(false);
            }
        }
    }

    /**
     * Whether {@link #populationLossAndGradient} works for this task: a base network with a
     * population head and the cross-entropy loss (the Smooth-AP surrogate is per unroll only).
     */
    public boolean supportsPopulation() {
        return !apSurrogate;
    }

    /**
     * The surrogate loss of M adapters on the same training rows, in one graph: {@code phis} holds
     * the M adapters one after the other; writes each one's gradient into the same place of {@code
     * gradOut} (when not null) and returns the M losses. Each member's loss and gradient are those
     * of {@link #lossAndGradient} at its own phi, up to float rounding (the same numbers summed in
     * another order); a member whose phi is not finite does not affect the others.
     */
    public float[] populationLossAndGradient(
            float[] phis, int members, int[] rows, float[] gradOut) {
        boolean wantGradient = gradOut != null;
        try (NDManager step = manager.newSubManager()) {
            Autograd.setRecording(wantGradient);
            try {
                NDArray phiArray =
                        phiScratch.floats(
                                step, phis, members * adapterDim, new Shape(members, adapterDim));
                if (wantGradient) {
                    phiArray.setRequiresGradient(true);
                }
                NDArray prefixRows = trainRows(rowScratch.rows(step, rows));
                NDArray out = taskOutputs(net.populationHead(theta, prefixRows, phiArray));
                NDArray perMember = populationLoss(step, out, rows, members);
                float[] values = perMember.toFloatArray();
                if (wantGradient) {
                    Autograd.backward(perMember.sum(), seed, false, false);
                    readInto(phiArray.getGradient(), gradOut, members * adapterDim);
                }
                return values;
            } finally {
                Autograd.setRecording(false);
            }
        }
    }

    /** Per-member cross-entropy [M] of member-major task outputs [M * B, outputs]. */
    private NDArray populationLoss(NDManager step, NDArray out, int[] rows, int members) {
        int b = rows.length;
        if (binary) {
            float[] y = new float[b];
            for (int i = 0; i < b; i++) {
                y[i] = trainY[rows[i]];
            }
            NDArray z = out.reshape(members, b);
            NDArray target = targetScratch.floats(step, y, b, new Shape(1, b));
            return Activation.softPlus(z).sub(z.mul(target)).mean(new int[] {1});
        }
        NDArray target =
                targetScratch.oneHot(step, labels(rows), outputs, new Shape(1, b, outputs));
        return out.reshape(members, b, outputs)
                .logSoftmax(2)
                .mul(target)
                .sum(new int[] {1, 2})
                .div(negativeCount(b));
    }

    /**
     * The surrogate loss on the given training rows as a graph node of {@code phi} (an array that
     * may carry autograd history), for back-propagating through an unroll. Arrays are attached to
     * {@code step}.
     */
    public NDArray lossGraph(NDManager step, NDArray phi, int[] rows) {
        NDArray prefixRows = trainRows(step.create(longs(rows)));
        return loss(
                step,
                taskOutputs(net.head(theta, prefixRows, phi)),
                labels(rows),
                apSurrogate,
                null);
    }

    /** Surrogate loss without gradient. */
    public double loss(float[] phi, int[] rows) {
        try (NDManager step = manager.newSubManager()) {
            NDArray phiArray = phiScratch.floats(step, phi, adapterDim, phiShape);
            NDArray prefixRows = trainRows(rowScratch.rows(step, rows));
            NDArray out = taskOutputs(net.head(theta, prefixRows, phiArray));
            return scalar(loss(step, out, labels(rows), apSurrogate, targetScratch));
        }
    }

    /** The training labels of {@code rows}. */
    private int[] labels(int[] rows) {
        int[] labels = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            labels[i] = trainY[rows[i]];
        }
        return labels;
    }

    /**
     * The cross-entropy (plus Smooth-AP when {@code withAp}) of task outputs against labels. The
     * targets go through {@code scratch} when not null (only where every array of the step dies
     * before the caller returns), otherwise into a fresh array of {@code step}.
     */
    private NDArray loss(
            NDManager step, NDArray out, int[] labels, boolean withAp, Scratch scratch) {
        int b = labels.length;
        if (binary) {
            float[] y = new float[b];
            for (int i = 0; i < b; i++) {
                y[i] = labels[i];
            }
            NDArray z = out.reshape(b);
            NDArray target =
                    scratch == null ? step.create(y) : scratch.floats(step, y, b, new Shape(b));
            NDArray bce = Activation.softPlus(z).sub(z.mul(target)).mean();
            return withAp ? bce.add(smoothApLoss(step, z, y)) : bce;
        }
        NDArray target;
        if (scratch == null) {
            float[] oneHot = new float[b * outputs];
            for (int i = 0; i < b; i++) {
                oneHot[i * outputs + labels[i]] = 1f;
            }
            target = step.create(oneHot, new Shape(b, outputs));
        } else {
            target = scratch.oneHot(step, labels, outputs, new Shape(b, outputs));
        }
        return out.logSoftmax(1).mul(target).sum().div(negativeCount(b));
    }

    /**
     * Rows of the training prefix at the int64 indices {@code idx}, owned by idx's manager: one
     * index_select (through {@code embedding}, whose weight here needs no gradient) instead of
     * DJL's advanced indexing, which first converts the indices and takes a slower gather.
     */
    private NDArray trainRows(NDArray idx) {
        NDArray rows = JniUtils.embedding((PtNDArray) idx, (PtNDArray) trainTable, false);
        Shape shape = trainPrefix.getShape();
        if (shape.dimension() == 2) {
            return rows;
        }
        long[] dims = shape.getShape().clone();
        dims[0] = idx.getShape().get(0);
        return rows.reshape(new Shape(dims));
    }

    /**
     * The float32 scalar {@code -b}, kept on this network's manager (see Autograd.constant). The
     * mean cross-entropy is {@code sum / -b}: IEEE division is exactly sign-symmetric, so this is
     * bit for bit {@code -(sum / b)}, forward and backward, with one operation fewer.
     */
    private NDArray negativeCount(int b) {
        return counts.computeIfAbsent(b, k -> Autograd.constant(manager, -k));
    }

    private static long[] longs(int[] values) {
        long[] out = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    /**
     * The value of a float32 scalar. DJL's {@code getFloat()} reads it through an indexing
     * operation ({@code get(new NDIndex())}), one native op and array more per call.
     */
    private static float scalar(NDArray array) {
        return array.toByteBuffer().asFloatBuffer().get(0);
    }

    /** Copies the first {@code n} floats of {@code array} into {@code out}. */
    private static void readInto(NDArray array, float[] out, int n) {
        array.toByteBuffer().asFloatBuffer().get(out, 0, n);
    }

    /**
     * A direct buffer reused for one kind of small per-step upload (phi, minibatch rows, targets):
     * DJL's {@code create(float[])} allocates a new direct buffer every time and frees it only when
     * the garbage collector runs its cleaner. The array made here reads the buffer's memory without
     * a copy ({@code torch::from_blob}), so the buffer may be rewritten only once every array of
     * the previous upload is closed: only for methods whose step manager is closed before they
     * return, never for a graph that outlives the call ({@link #lossGraph}).
     */
    private static final class Scratch {
        private ByteBuffer buffer;

        private ByteBuffer take(int bytes) {
            if (buffer == null || buffer.capacity() < bytes) {
                buffer = ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
            }
            ByteBuffer view = buffer.duplicate().order(ByteOrder.nativeOrder());
            view.clear().limit(bytes);
            return view;
        }

        /** The first {@code n} values as a float32 array of {@code shape}. */
        NDArray floats(NDManager step, float[] values, int n, Shape shape) {
            ByteBuffer view = take(n * Float.BYTES);
            view.asFloatBuffer().put(values, 0, n);
            return step.create(view, shape, DataType.FLOAT32);
        }

        /** The indices as an int64 vector. */
        NDArray rows(NDManager step, int[] rows) {
            ByteBuffer view = take(rows.length * Long.BYTES);
            LongBuffer longs = view.asLongBuffer();
            for (int i = 0; i < rows.length; i++) {
                longs.put(i, rows[i]);
            }
            return step.create(view, new Shape(rows.length), DataType.INT64);
        }

        /** One-hot rows [labels.length, classes] as a float32 array of {@code shape}. */
        NDArray oneHot(NDManager step, int[] labels, int classes, Shape shape) {
            int n = labels.length * classes;
            ByteBuffer view = take(n * Float.BYTES);
            FloatBuffer f = view.asFloatBuffer();
            for (int i = 0; i < n; i++) {
                f.put(i, 0f);
            }
            for (int i = 0; i < labels.length; i++) {
                f.put(i * classes + labels[i], 1f);
            }
            return step.create(view, shape, DataType.FLOAT32);
        }
    }

    /**
     * The cross-entropy on the whole validation split, with its clean labels, at phi; writes its
     * gradient in phi into {@code gradOut} and returns the loss. Only for diagnostics: it is the
     * oracle direction against which a value function's gradient is compared (docs/DESIGN.md
     * section 6); no update rule ever sees it.
     */
    public double validationLossAndGradient(float[] phi, float[] gradOut) {
        try (NDManager step = manager.newSubManager()) {
            Autograd.setRecording(true);
            try {
                NDArray phiArray = phiScratch.floats(step, phi, adapterDim, phiShape);
                phiArray.setRequiresGradient(true);
                NDArray out = taskOutputs(net.head(theta, borrow(step, valPrefix), phiArray));
                NDArray loss = loss(step, out, valY, false, targetScratch);
                double value = scalar(loss);
                Autograd.backward(loss, seed, false, false);
                readInto(phiArray.getGradient(), gradOut, adapterDim);
                return value;
            } finally {
                Autograd.setRecording(false);
            }
        }
    }

    /**
     * 1 - Smooth-AP (Brown et al. 2020) on one minibatch: each example's rank among all and among
     * the positives is replaced by a sum of sigmoids of score differences with temperature tau, and
     * AP is the mean over positives of rank_pos / rank_all. Zero on a batch with no positive.
     */
    private NDArray smoothApLoss(NDManager step, NDArray z, float[] y) {
        int b = y.length;
        int positives = 0;
        for (float v : y) {
            positives += v > 0.5f ? 1 : 0;
        }
        if (positives == 0) {
            return step.zeros(new Shape());
        }
        float[] offDiagonal = new float[b * b];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < b; j++) {
                offDiagonal[i * b + j] = i == j ? 0f : 1f;
            }
        }
        NDArray mask = step.create(offDiagonal, new Shape(b, b));
        NDArray yRow = step.create(y, new Shape(1, b));
        NDArray yCol = step.create(y, new Shape(b, 1));
        NDArray one = Autograd.constant(step, 1);
        NDArray diff =
                z.reshape(1, b).sub(z.reshape(b, 1)).div(Autograd.constant(step, apTemperature));
        NDArray sig = Activation.sigmoid(diff).mul(mask);
        NDArray rankAll = sig.sum(new int[] {1}).add(one);
        NDArray rankPos = sig.mul(yRow).sum(new int[] {1}).add(one);
        NDArray ap =
                rankPos.div(rankAll)
                        .mul(yCol.reshape(b))
                        .sum()
                        .div(Autograd.constant(step, positives));
        return ap.neg().add(one);
    }

    /** Task outputs on the validation split at phi, row-major [n, numOutputs]. */
    public float[] validationOutputs(float[] phi) {
        return outputs(valPrefix, phi);
    }

    /** Task outputs on the test split at phi, row-major [n, numOutputs]. */
    public float[] testOutputs(float[] phi) {
        return outputs(testPrefix, phi);
    }

    private float[] outputs(NDArray prefix, float[] phi) {
        try (NDManager step = manager.newSubManager()) {
            NDArray phiArray = phiScratch.floats(step, phi, adapterDim, phiShape);
            NDArray out = taskOutputs(net.head(theta, borrow(step, prefix), phiArray));
            return out.toType(DataType.FLOAT32, false).toFloatArray();
        }
    }

    /**
     * A view of a cached prefix owned by {@code step}. A DJL operation puts its result in the
     * manager of the array it is called on, so a head given the cached prefix itself would leave
     * its activations (the CNN's: several arrays of [n, c, 14, 14] per call) on this network's
     * manager, freed only when the task ends; with the metric observed many times per unroll, that
     * is gigabytes per task. On the view they go with {@code step}; the view shares the prefix's
     * storage, so closing it frees nothing of the cache.
     */
    private static NDArray borrow(NDManager step, NDArray cached) {
        NDArray view = cached.reshape(cached.getShape());
        view.attach(step);
        return view;
    }

    @Override
    public void close() {
        manager.close();
    }
}
