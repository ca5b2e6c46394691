package org.metricopt.common.outer;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import java.nio.charset.StandardCharsets;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.io.Digests;

/**
 * A fingerprint of the settings that determine meta-training results. Settings that only change how
 * or how long a run is executed (Spark and Hadoop client settings, the number of iterations,
 * checkpoint and log spacing, where value functions are adapted, evaluation, finetune, and the
 * value-function settings that only meta-test reads) are left out, so a run may be extended, moved
 * to another cluster or meta-tested another way and still resume.
 */
public final class ConfigFingerprint {
    private ConfigFingerprint() {}

    public static String of(MetricOptConfig config) {
        Config c =
                ConfigFactory.parseString(config.resolvedJson())
                        .withoutPath("spark")
                        .withoutPath("hadoop")
                        .withoutPath("eval")
                        .withoutPath("finetune")
                        .withoutPath("meta-train.iterations")
                        .withoutPath("meta-train.checkpoint-every")
                        .withoutPath("meta-train.log-interval-s")
                        .withoutPath("meta-train.max-failed-fraction")
                        .withoutPath("meta-train.adapt-on")
                        .withoutPath("value-function.lambda")
                        .withoutPath("value-function.online-adapt-steps")
                        .withoutPath("value-function.online-adapt-learning-rate")
                        .withoutPath("value-function.combination")
                        .withoutPath("pretrain.path")
                        .withoutPath("data.root");
        String canonical = c.root().render(ConfigRenderOptions.concise());
        return Digests.sha256(canonical.getBytes(StandardCharsets.UTF_8)).substring(0, 16);
    }
}
