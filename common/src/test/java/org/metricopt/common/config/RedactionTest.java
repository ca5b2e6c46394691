package org.metricopt.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.metricopt.common.errors.MetricOptException;

/** Credentials in the configuration reach Hadoop but nothing that is written or printed. */
class RedactionTest {
    private static final String SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY";

    @Test
    void recognisesHadoopAndCloudCredentialKeys() {
        for (String key :
                List.of(
                        "fs.s3a.access.key",
                        "fs.s3a.secret.key",
                        "fs.s3a.session.token",
                        "fs.azure.account.key.x.blob.core.windows.net.password",
                        "fs.gs.auth.service.account.private.key",
                        "hadoop.security.credential.provider.path",
                        "dfs.webhdfs.oauth2.access.token",
                        "my.api-key")) {
            assertThat(Redaction.isSensitiveKey(key)).as(key).isTrue();
        }
        for (String key :
                List.of("fs.s3a.endpoint", "fs.defaultFS", "inner.steps", "data.root", "seed")) {
            assertThat(Redaction.isSensitiveKey(key)).as(key).isFalse();
        }
    }

    @Test
    void masksUriPasswordsAndSensitiveSetArguments() {
        assertThat(Redaction.maskUriPasswords("s3a://AKIA:" + SECRET + "@bucket/runs/x"))
                .isEqualTo("s3a://AKIA:" + Redaction.MASK + "@bucket/runs/x");
        assertThat(Redaction.maskUriPasswords("hdfs://nn:8020/runs/x"))
                .isEqualTo("hdfs://nn:8020/runs/x");
        assertThat(Redaction.argument("hadoop.\"fs.s3a.secret.key\"=" + SECRET))
                .isEqualTo("hadoop.\"fs.s3a.secret.key\"=" + Redaction.MASK);
        assertThat(Redaction.argument("inner.steps=20")).isEqualTo("inner.steps=20");
    }

    @Test
    void hadoopSettingsReachTheConfigButNotItsJson() {
        MetricOptConfig c =
                ConfigLoader.load(
                        null,
                        List.of(
                                "hadoop.\"fs.s3a.secret.key\"=" + SECRET,
                                "hadoop.fs.s3a.endpoint=\"http://127.0.0.1:9000\"",
                                "hadoop.\"fs.s3a.connection.maximum\"=64",
                                "data.root=\"s3a://user:" + SECRET + "@bucket/fmnist\""));
        assertThat(c.hadoop())
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of(
                                "fs.s3a.secret.key", SECRET,
                                "fs.s3a.endpoint", "http://127.0.0.1:9000",
                                "fs.s3a.connection.maximum", "64"));
        assertThat(c.data().root()).contains(SECRET);
        assertThat(c.resolvedJson())
                .doesNotContain(SECRET)
                .contains(Redaction.MASK)
                .contains("http://127.0.0.1:9000");
    }

    @Test
    void errorsAboutASecretDoNotEchoIt() {
        MetricOptException e =
                catchThrowableOfType(
                        () ->
                                ConfigLoader.load(
                                        null,
                                        List.of("hadoop.\"fs.s3a.secret.key\"=[" + SECRET + "]")),
                        MetricOptException.class);
        assertThat(e.getMessage()).contains("fs.s3a.secret.key").doesNotContain(SECRET);
        assertThat(Settings.invalid("x.password", SECRET, "anything").getMessage())
                .doesNotContain(SECRET);
    }
}
