package org.metricopt.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metricopt.common.config.ConfigLoader;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.errors.MetricOptException;

/** A run's configuration reads back from its run.json, with theta where the run found it. */
class RunDirectoryTest {

    @Test
    void readConfigReturnsTheRunsConfigurationWithItsRecordedTheta(@TempDir Path tmp) {
        MetricOptConfig config =
                ConfigLoader.load(
                        null, List.of("pretrain.path=runs/theta", "inner.steps=12", "seed=7"));
        RunDirectory run = new RunDirectory(new Configuration(), tmp.toString());
        String thetaDir = "file:/data/metricopt/theta/" + config.network().signature();
        run.writeRunJson("run", config, Map.of("theta_dir", thetaDir));

        MetricOptConfig read = run.readConfig();
        assertThat(read.inner().steps()).isEqualTo(12);
        assertThat(read.seed()).isEqualTo(7);
        assertThat(read.pretrain().path()).isEqualTo("file:/data/metricopt/theta");
        assertThat(ThetaStore.directory(new Configuration(), read)).isEqualTo(thetaDir);
    }

    @Test
    void aRunJsonWithoutConfigurationIsNotARun(@TempDir Path tmp) throws IOException {
        Files.writeString(tmp.resolve(RunDirectory.RUN_JSON), "{\"command\": \"run\"}");
        RunDirectory run = new RunDirectory(new Configuration(), tmp.toString());
        assertThatThrownBy(run::readConfig)
                .isInstanceOf(MetricOptException.class)
                .hasMessageContaining("has no \"config\" object");
    }
}
