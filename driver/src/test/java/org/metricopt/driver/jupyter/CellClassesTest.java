package org.metricopt.driver.jupyter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectStreamClass;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import org.apache.spark.api.java.function.MapFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The classes JShell compiles from cells are copied to the kernel's class directory, which the
 * kernel's Spark sessions serve to executors: a class and a lambda defined in cells load from that
 * directory alone, in a class loader that cannot see JShell's, as on an executor; the directory
 * goes when the kernel does. The cluster itself is exercised by the deploy module's cluster test.
 */
class CellClassesTest {
    private static MetricOptKernel kernel;
    private static final ClassLoader TESTS = CellClassesTest.class.getClassLoader();

    @BeforeAll
    static void start() {
        kernel = MetricOptKernel.create(System.getProperty("java.class.path"));
        kernel.evalRaw("import org.apache.spark.api.java.function.*;");
        kernel.evalRaw(
                "byte[] serialize(Object o) throws Exception {\n"
                        + "    var bytes = new java.io.ByteArrayOutputStream();\n"
                        + "    try (var out = new java.io.ObjectOutputStream(bytes)) {\n"
                        + "        out.writeObject(o);\n"
                        + "    }\n"
                        + "    return bytes.toByteArray();\n"
                        + "}");
    }

    @AfterAll
    static void stop() {
        Path classes = kernel.classDirectory();
        kernel.onShutdown(false);
        assertThat(classes).doesNotExist();
        assertThat(System.getProperty(ReplClassDirectory.SPARK_PROPERTY)).isNull();
    }

    @Test
    void sparkSessionsOfTheKernelServeItsClassDirectory() {
        assertThat(kernel.classDirectory()).isDirectory();
        assertThat(
                        kernel.evalRaw(
                                "new org.apache.spark.SparkConf(true)"
                                        + ".get(\"spark.repl.class.outputDir\")"))
                .isEqualTo(kernel.classDirectory().toString());
    }

    @Test
    @SuppressWarnings("unchecked")
    void aCellsClassAndLambdaLoadFromTheClassDirectoryAlone() throws Exception {
        kernel.evalRaw(
                "class Doubler implements MapFunction<Long, Long> {\n"
                        + "    public Long call(Long x) { return 2 * x; }\n"
                        + "}");
        kernel.evalRaw("MapFunction<Long, Long> plusOne = x -> x + 1;");
        String doubler = (String) kernel.evalRaw("Doubler.class.getName()");
        assertThat(doubler).startsWith("REPL.$JShell$").endsWith("$Doubler");
        assertThat(kernel.classDirectory().resolve(doubler.replace('.', '/') + ".class"))
                .isRegularFile();
        byte[] serializedDoubler = (byte[]) kernel.evalRaw("serialize(new Doubler())");
        byte[] serializedLambda = (byte[]) kernel.evalRaw("serialize(plusOne)");

        try (URLClassLoader executor =
                new URLClassLoader(new URL[] {kernel.classDirectory().toUri().toURL()}, TESTS)) {
            assertThatThrownBy(() -> Class.forName(doubler, false, TESTS))
                    .as("only the class directory has the cell's classes")
                    .isInstanceOf(ClassNotFoundException.class);
            Class<?> loaded = executor.loadClass(doubler);
            assertThat(loaded.getName()).isEqualTo(doubler);
            assertThat(loaded.getClassLoader()).isSameAs(executor);

            MapFunction<Long, Long> d =
                    (MapFunction<Long, Long>) deserialize(serializedDoubler, executor);
            assertThat(d.getClass()).isSameAs(loaded);
            assertThat(d.call(21L)).isEqualTo(42L);

            // A lambda deserializes through its capturing class, the cell's JShell wrapper: that
            // class must come from the directory too.
            MapFunction<Long, Long> p =
                    (MapFunction<Long, Long>) deserialize(serializedLambda, executor);
            assertThat(p.call(41L)).isEqualTo(42L);
            assertThat(p.getClass().getClassLoader()).isSameAs(executor);
            String capturing = p.getClass().getName().replaceFirst("\\$\\$Lambda.*", "");
            assertThat(capturing).startsWith("REPL.$JShell$");
            assertThat(kernel.classDirectory().resolve(capturing.replace('.', '/') + ".class"))
                    .isRegularFile();
        }
    }

    /**
     * What an executor does not get: the value of another cell's variable, a static field of that
     * cell's class, which only the kernel's copy of the class has set. A value a lambda captures (a
     * method's parameter, a local variable of a block) travels with it.
     */
    @Test
    @SuppressWarnings("unchecked")
    void aLambdaCarriesWhatItCapturesButNotOtherCellsVariables() throws Exception {
        kernel.evalRaw("long factor = 3;");
        kernel.evalRaw("MapFunction<Long, Long> timesFactor = x -> x * factor;");
        kernel.evalRaw(
                "MapFunction<Long, Long> times(long f) { return x -> x * f; }\n"
                        + "MapFunction<Long, Long> timesCaptured = times(factor);");
        kernel.evalRaw("MapFunction<Long, Long> timesLocal;");
        kernel.evalRaw("{\n    long f = factor;\n    timesLocal = x -> x * f;\n}");
        assertThat(kernel.evalRaw("timesFactor.call(14L)")).isEqualTo(42L);
        byte[] readsCell = (byte[]) kernel.evalRaw("serialize(timesFactor)");
        byte[] captures = (byte[]) kernel.evalRaw("serialize(timesCaptured)");
        byte[] capturesLocal = (byte[]) kernel.evalRaw("serialize(timesLocal)");
        try (URLClassLoader executor =
                new URLClassLoader(new URL[] {kernel.classDirectory().toUri().toURL()}, TESTS)) {
            assertThat(((MapFunction<Long, Long>) deserialize(readsCell, executor)).call(14L))
                    .as("factor is 0 in the executor's copy of its cell's class")
                    .isZero();
            assertThat(((MapFunction<Long, Long>) deserialize(captures, executor)).call(14L))
                    .isEqualTo(42L);
            assertThat(((MapFunction<Long, Long>) deserialize(capturesLocal, executor)).call(14L))
                    .isEqualTo(42L);
        }
    }

    /** In local mode too the executor threads run a cell's lambda and class. */
    @Test
    void aLocalSessionRunsACellsLambdaAndClass() {
        kernel.evalRaw("var spark = MetricOpt.session(\"local[2]\");");
        assertThat(
                        kernel.evalRaw(
                                "spark.range(0, 1000, 1, 4)"
                                        + ".map((MapFunction<Long, Long>) x -> x * 2,"
                                        + " Encoders.LONG())"
                                        + ".reduce((ReduceFunction<Long>) Long::sum)"))
                .isEqualTo(999_000L);
        kernel.evalRaw(
                "class Tripler implements MapFunction<Long, Long> {\n"
                        + "    public Long call(Long x) { return 3 * x; }\n"
                        + "}");
        assertThat(
                        kernel.evalRaw(
                                "spark.range(0, 1000, 1, 4).map(new Tripler(), Encoders.LONG())"
                                        + ".reduce((ReduceFunction<Long>) Long::sum)"))
                .isEqualTo(1_498_500L);
        assertThat(
                        (String)
                                kernel.evalRaw(
                                        "spark.sparkContext().getConf().get(\"spark.repl.class.uri\")"))
                .startsWith("spark://");
    }

    private static Object deserialize(byte[] bytes, ClassLoader loader)
            throws IOException, ClassNotFoundException {
        try (InputStream in = new ByteArrayInputStream(bytes);
                ObjectInputStream objects =
                        new ObjectInputStream(in) {
                            @Override
                            protected Class<?> resolveClass(ObjectStreamClass desc)
                                    throws ClassNotFoundException {
                                return Class.forName(desc.getName(), false, loader);
                            }
                        }) {
            return objects.readObject();
        }
    }
}
