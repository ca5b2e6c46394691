package org.metricopt.common.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TaskDataCappingTest {
    @Test
    void excessTrainingCountsMoveToClassesWithRoom() {
        int[] out = TaskData.capped(new int[] {700, 200, 100}, new int[] {600, 900, 900});
        assertThat(out).containsExactly(600, 300, 100);
        assertThat(TaskData.capped(new int[] {5, 5}, new int[] {10, 10})).containsExactly(5, 5);
    }
}
