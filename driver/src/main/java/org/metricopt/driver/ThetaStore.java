package org.metricopt.driver;

import java.io.PrintStream;
import org.apache.hadoop.conf.Configuration;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.data.FashionMnist;
import org.metricopt.common.io.HadoopFiles;
import org.metricopt.common.nets.Pretrainer;
import org.metricopt.common.nets.Theta;

/**
 * Finds theta for the configured network under {@code pretrain.path}, pre-training it if absent.
 */
public final class ThetaStore {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ThetaStore.class);

    private ThetaStore() {}

    /** The qualified directory of theta for this configuration. */
    public static String directory(Configuration conf, MetricOptConfig config) {
        return Theta.directory(
                HadoopFiles.qualify(conf, config.pretrain().path()), config.network());
    }

    /** Returns the theta directory, pre-training and saving theta first when it is missing. */
    public static String ensure(Configuration conf, MetricOptConfig config, PrintStream out) {
        String dir = directory(conf, config);
        if (Theta.exists(conf, dir)) {
            Theta.load(conf, dir, config.network());
            return dir;
        }
        LOG.info("theta not found at {}; pre-training it first", dir);
        pretrain(conf, config, dir, out);
        return dir;
    }

    public static Pretrainer.Result pretrain(
            Configuration conf, MetricOptConfig config, String dir, PrintStream out) {
        FashionMnist ds = FashionMnist.load(conf, config.data().root());
        long start = System.nanoTime();
        Pretrainer.Result r =
                Pretrainer.pretrain(
                        config,
                        ds,
                        epoch ->
                                LOG.info(
                                        "pretrain epoch {}/{}", epoch, config.pretrain().epochs()));
        r.theta().save(conf, dir);
        out.printf(
                java.util.Locale.ROOT,
                "pretrained %s in %.1f s: test accuracy %.4f on t10k (phi = 0); saved to %s%n",
                config.network().signature(),
                (System.nanoTime() - start) / 1e9,
                r.testAccuracy(),
                dir);
        return r;
    }
}
