package org.metricopt.driver.meta;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Off a terminal, meta-training's progress is one readable log line per iteration. */
class MetaTrainProgressTest {
    @Test
    void aLogLineNamesTheIterationItsTimeTheElapsedTimeAndWhatIsLeft() {
        try (MetaTrainProgress p = MetaTrainProgress.start(4, 10, false)) {
            // Resumed at 4: two iterations in 12 s leave four more, about 24 s.
            assertThat(p.line(6, 5.96, 12.0))
                    .isEqualTo(
                            "meta-train: iteration 6 of 10 done in 6.0 s; elapsed 0:00:12, about"
                                    + " 0:00:24 left");
            assertThat(p.line(4, 0.0, 0.0)).endsWith("about ? left");
            assertThat(p.line(10, 1.0, 3725.0)).contains("elapsed 1:02:05, about 0:00:00 left");
            // Without a terminal there is no bar to draw: phases are silent, iterations log.
            p.phase(6, "unrolls");
            p.finished(7);
        }
    }
}
