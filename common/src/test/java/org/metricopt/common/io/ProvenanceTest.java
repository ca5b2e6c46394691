package org.metricopt.common.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Provenance names the versions a result depends on, and a build from a git checkout records its
 * commit in the jar (common/pom.xml), so the commit is known where no checkout exists.
 */
class ProvenanceTest {
    @Test
    void collectNamesTheLibraryVersionsWithoutLoadingTheEngine() {
        Map<String, Object> p = Provenance.collect();
        assertThat(p)
                .containsKeys(
                        "metricopt_version",
                        "git_commit",
                        "git_dirty",
                        "java_version",
                        "djl_version",
                        "pytorch_version",
                        "hadoop_version");
        assertThat((String) p.get("pytorch_version")).matches("\\d+\\.\\d+\\.\\d+");
        assertThat(p.get("hadoop_version"))
                .isEqualTo(org.apache.hadoop.util.VersionInfo.getVersion());
    }

    @Test
    void aBuildFromAGitCheckoutRecordsItsCommit() throws IOException, InterruptedException {
        Path repo = Path.of("").toAbsolutePath().getParent();
        if (!Files.exists(repo.resolve(".git")) || System.getenv("METRICOPT_GIT_COMMIT") != null) {
            return; // built from a source archive, or the commit is given explicitly
        }
        Process git =
                new ProcessBuilder("git", "rev-parse", "HEAD")
                        .directory(repo.toFile())
                        .redirectErrorStream(true)
                        .start();
        String head =
                new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!git.waitFor(30, TimeUnit.SECONDS) || git.exitValue() != 0) {
            return; // no git on this machine: the build could not record a commit either
        }
        assertThat(Provenance.class.getClassLoader().getResource(Provenance.BUILD_PROPERTIES))
                .as("the build's " + Provenance.BUILD_PROPERTIES)
                .isNotNull();
        assertThat(Provenance.gitCommit()).isEqualTo(head);
        assertThat(Provenance.gitDirty()).isIn("true", "false");
    }
}
