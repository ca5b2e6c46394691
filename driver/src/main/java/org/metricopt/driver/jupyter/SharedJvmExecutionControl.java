package org.metricopt.driver.jupyter;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.Objects;
import jdk.jshell.execution.DirectExecutionControl;
import jdk.jshell.spi.ExecutionControl;
import jdk.jshell.spi.ExecutionControlProvider;
import jdk.jshell.spi.ExecutionEnv;

/**
 * Runs JShell snippets in the kernel's own JVM and thread, and keeps the value (or the exception)
 * of the last one as an object. JShell's remote engines return values as strings only; a notebook
 * needs the object itself to display a chart as a PNG or a DataFrame as a table, and cells must
 * share the kernel's classpath and live objects such as its SparkSession. Every class JShell
 * installs is also written to a {@link ReplClassDirectory}, from which a cluster's executors load
 * the lambdas and classes of cells.
 */
final class SharedJvmExecutionControl extends DirectExecutionControl {
    private final ReplClassDirectory classes;
    private Object value;
    private Throwable thrown;

    SharedJvmExecutionControl(ReplClassDirectory classes) {
        this.classes = Objects.requireNonNull(classes, "classes");
    }

    /**
     * Installs a cell's new classes here, then copies them for the executors. (Redefinition in
     * place is not supported by this engine: JShell recompiles a changed snippet under a new class
     * name, so every class passes through here once.)
     */
    @Override
    public void load(ClassBytecodes[] cbcs)
            throws ClassInstallException, NotImplementedException, EngineTerminationException {
        super.load(cbcs);
        write(cbcs);
    }

    private void write(ClassBytecodes[] cbcs) {
        for (ClassBytecodes cbc : cbcs) {
            classes.write(cbc.name(), cbc.bytecodes());
        }
    }

    @Override
    protected String invoke(Method doit) throws Exception {
        value = null;
        thrown = null;
        try {
            Object result = doit.invoke(null);
            value = result;
            return valueString(result);
        } catch (InvocationTargetException e) {
            thrown = e.getCause();
            throw e;
        }
    }

    /** Forgets the last value and exception, before the next snippet runs. */
    void reset() {
        value = null;
        thrown = null;
    }

    /** The value the last snippet returned, or null. */
    Object value() {
        return value;
    }

    /** What the last snippet threw, with its real class and stack trace, or null. */
    Throwable thrown() {
        return thrown;
    }

    /** A provider that hands JShell this one instance. */
    ExecutionControlProvider provider() {
        SharedJvmExecutionControl control = this;
        return new ExecutionControlProvider() {
            @Override
            public String name() {
                return "metricopt-shared-jvm";
            }

            @Override
            public ExecutionControl generate(ExecutionEnv env, Map<String, String> parameters) {
                return control;
            }
        };
    }
}
