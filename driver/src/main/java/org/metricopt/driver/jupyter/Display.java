package org.metricopt.driver.jupyter;

import org.dflib.jjava.jupyter.kernel.BaseKernel;

/**
 * {@code display(value)} for notebook cells (imported into every cell): shows a value as the kernel
 * renders a cell's result (a chart as a PNG, a DataFrame as a table), at that point of the cell, so
 * one cell can show several plots.
 */
public final class Display {
    private Display() {}

    /** Shows {@code value} in the output of the running cell. */
    public static void display(Object value) {
        BaseKernel kernel = BaseKernel.notebookKernel();
        kernel.display(kernel.getRenderer().render(value));
    }
}
