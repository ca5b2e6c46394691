package org.metricopt.common.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.throwable;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;

class MetricsTest {

    private static final String ALLOWED =
            "allowed: misclassification, one-minus-aucpr, one-minus-auroc, one-minus-f1,"
                    + " top-k-error:K, command:PROGRAM ARG..., or a class name implementing"
                    + " org.metricopt.common.metrics.Metric";

    private static final Predictions BINARY =
            new Predictions(new float[] {0.9f, 0.8f, 0.7f, 0.6f}, 1, new int[] {1, 0, 1, 0});

    /** A user metric as a user would write it: public, with a public no-argument constructor. */
    public static final class ConstantMetric implements Metric {
        private static final long serialVersionUID = 1L;

        @Override
        public String id() {
            return "constant";
        }

        @Override
        public double evaluate(Predictions p) {
            return 0.25;
        }
    }

    /** Needs an argument, so it cannot be configured by name. */
    public static final class NoDefaultConstructorMetric implements Metric {
        private static final long serialVersionUID = 1L;

        public NoDefaultConstructorMetric(int unused) {}

        @Override
        public String id() {
            return "no-default";
        }

        @Override
        public double evaluate(Predictions p) {
            return 0.0;
        }
    }

    /** Its constructor fails. */
    public static final class FailingConstructorMetric implements Metric {
        private static final long serialVersionUID = 1L;

        public FailingConstructorMetric() {
            throw new IllegalStateException("no licence key");
        }

        @Override
        public String id() {
            return "failing";
        }

        @Override
        public double evaluate(Predictions p) {
            return 0.0;
        }
    }

    /** Cannot be instantiated. */
    public abstract static class AbstractMetric implements Metric {
        private static final long serialVersionUID = 1L;
    }

    /** Returns a fixed value in a declared range, to test the range checks. */
    private static Metric returning(double value, double lower, double upper) {
        return new Metric() {
            private static final long serialVersionUID = 1L;

            @Override
            public String id() {
                return "fixed";
            }

            @Override
            public double evaluate(Predictions p) {
                return value;
            }

            @Override
            public double lowerBound() {
                return lower;
            }

            @Override
            public double upperBound() {
                return upper;
            }
        };
    }

    @Test
    void listsTheBuiltinIds() {
        assertThat(Metrics.builtinIds())
                .containsExactly(
                        "misclassification",
                        "one-minus-aucpr",
                        "one-minus-auroc",
                        "one-minus-f1",
                        "top-k-error:K",
                        "command:PROGRAM ARG...");
    }

    @Test
    void loadsEachBuiltin() {
        assertThat(Metrics.load("misclassification")).isInstanceOf(MisclassificationRate.class);
        assertThat(Metrics.load("one-minus-aucpr")).isInstanceOf(OneMinusAucpr.class);
        assertThat(Metrics.load("one-minus-auroc")).isInstanceOf(OneMinusAuroc.class);
        assertThat(Metrics.load("one-minus-f1")).isInstanceOf(OneMinusF1.class);
        assertThat(Metrics.load("top-k-error:3")).isEqualTo(new TopKError(3));
    }

    @Test
    void idsRoundTripThroughLoad() {
        for (String id :
                List.of(
                        "misclassification",
                        "one-minus-aucpr",
                        "one-minus-auroc",
                        "one-minus-f1",
                        "top-k-error:1",
                        "top-k-error:12")) {
            Metric metric = Metrics.load(id);
            assertThat(metric.id()).isEqualTo(id);
            assertThat(Metrics.load(metric.id())).isEqualTo(metric);
        }
    }

    @Test
    void builtinsSurviveJavaSerialization() throws Exception {
        for (String id :
                List.of(
                        "misclassification",
                        "one-minus-aucpr",
                        "one-minus-auroc",
                        "one-minus-f1",
                        "top-k-error:1")) {
            Metric metric = Metrics.load(id);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
                out.writeObject(metric);
            }
            try (ObjectInputStream in =
                    new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
                Metric copy = (Metric) in.readObject();
                assertThat(copy).isEqualTo(metric);
                assertThat(copy.evaluate(BINARY)).isEqualTo(metric.evaluate(BINARY));
            }
        }
    }

    @Test
    void loadsAUserClassByName() {
        Metric metric = Metrics.load(ConstantMetric.class.getName());
        assertThat(metric).isInstanceOf(ConstantMetric.class);
        assertThat(metric.evaluate(BINARY)).isEqualTo(0.25);
    }

    @Test
    void fallsBackToItsOwnLoaderWhenTheContextLoaderCannotSeeTheClass() {
        Thread thread = Thread.currentThread();
        ClassLoader saved = thread.getContextClassLoader();
        try {
            thread.setContextClassLoader(ClassLoader.getPlatformClassLoader());
            assertThat(Metrics.load(ConstantMetric.class.getName()))
                    .isInstanceOf(ConstantMetric.class);
            thread.setContextClassLoader(null);
            assertThat(Metrics.load(ConstantMetric.class.getName()))
                    .isInstanceOf(ConstantMetric.class);
        } finally {
            thread.setContextClassLoader(saved);
        }
    }

    @Test
    void rejectsAnUnknownId() {
        assertThatThrownBy(() -> Metrics.load("foo"))
                .asInstanceOf(throwable(MetricOptException.class))
                .returns(ErrorClass.INVALID_CONFIG, MetricOptException::errorClass)
                .hasMessage("metric = \"foo\": unknown metric; " + ALLOWED);
    }

    @Test
    void rejectsAMissingOrBlankName() {
        assertThatThrownBy(() -> Metrics.load(null))
                .asInstanceOf(throwable(MetricOptException.class))
                .returns(ErrorClass.INVALID_CONFIG, MetricOptException::errorClass)
                .hasMessage("metric = null: no metric given; " + ALLOWED);
        assertThatThrownBy(() -> Metrics.load(" "))
                .asInstanceOf(throwable(MetricOptException.class))
                .returns(ErrorClass.INVALID_CONFIG, MetricOptException::errorClass)
                .hasMessage("metric = \" \": no metric given; " + ALLOWED);
    }

    @Test
    void requiresTheKOfTopKError() {
        for (String name :
                List.of(
                        "top-k-error",
                        "top-k-error:",
                        "top-k-error:0",
                        "top-k-error:-2",
                        "top-k-error:x",
                        "top-k-error:+3",
                        "top-k-error:99999999999")) {
            assertThatThrownBy(() -> Metrics.load(name))
                    .as(name)
                    .asInstanceOf(throwable(MetricOptException.class))
                    .returns(ErrorClass.INVALID_CONFIG, MetricOptException::errorClass)
                    .hasMessage(
                            "metric = \""
                                    + name
                                    + "\": the top-k error needs its K written as top-k-error:K"
                                    + " with an integer K >= 1, for example top-k-error:5");
        }
    }

    @Test
    void reportsAMissingClass() {
        assertThatThrownBy(() -> Metrics.load("com.example.NoSuchMetric"))
                .asInstanceOf(throwable(MetricOptException.class))
                .returns(ErrorClass.METRIC_FAILURE, MetricOptException::errorClass)
                .hasMessage(
                        "metric = \"com.example.NoSuchMetric\": class not found on the classpath;"
                                + " check the name, or add the jar that contains it (for example"
                                + " with spark-submit --jars); "
                                + ALLOWED)
                .hasCauseInstanceOf(ClassNotFoundException.class);
    }

    @Test
    void reportsAClassThatIsNotAMetric() {
        assertThatThrownBy(() -> Metrics.load("java.lang.String"))
                .asInstanceOf(throwable(MetricOptException.class))
                .returns(ErrorClass.METRIC_FAILURE, MetricOptException::errorClass)
                .hasMessage(
                        "metric = \"java.lang.String\": class java.lang.String does not implement"
                                + " org.metricopt.common.metrics.Metric; use a class that does, or"
                                + " a built-in metric (misclassification, one-minus-aucpr,"
                                + " one-minus-auroc, one-minus-f1, top-k-error:K, command:PROGRAM ARG...)");
    }

    @Test
    void reportsAClassWithoutANoArgumentConstructor() {
        String name = NoDefaultConstructorMetric.class.getName();
        assertThatThrownBy(() -> Metrics.load(name))
                .asInstanceOf(throwable(MetricOptException.class))
                .returns(ErrorClass.METRIC_FAILURE, MetricOptException::errorClass)
                .hasMessage(
                        "metric = \""
                                + name
                                + "\": class "
                                + name
                                + " has no public no-argument constructor; add one (and make"
                                + " the class public, and static if it is nested)");
    }

    @Test
    void reportsAFailingConstructor() {
        String name = FailingConstructorMetric.class.getName();
        assertThatThrownBy(() -> Metrics.load(name))
                .asInstanceOf(throwable(MetricOptException.class))
                .returns(ErrorClass.METRIC_FAILURE, MetricOptException::errorClass)
                .hasMessage(
                        "metric = \""
                                + name
                                + "\": the constructor of "
                                + name
                                + " threw java.lang.IllegalStateException: no licence key")
                .hasCauseInstanceOf(IllegalStateException.class);
    }

    @Test
    void reportsAnAbstractClassAndTheInterfaceItself() {
        for (Class<?> type : List.of(AbstractMetric.class, Metric.class)) {
            assertThatThrownBy(() -> Metrics.load(type.getName()))
                    .asInstanceOf(throwable(MetricOptException.class))
                    .returns(ErrorClass.METRIC_FAILURE, MetricOptException::errorClass)
                    .hasMessageEndingWith("is abstract or an interface; name a concrete class");
        }
    }

    @Test
    void everyErrorIsOneLine() {
        for (String name :
                List.of(
                        "foo",
                        "top-k-error",
                        "com.example.NoSuchMetric",
                        "java.lang.String",
                        NoDefaultConstructorMetric.class.getName(),
                        FailingConstructorMetric.class.getName())) {
            assertThatThrownBy(() -> Metrics.load(name))
                    .isInstanceOf(MetricOptException.class)
                    .extracting(Throwable::getMessage)
                    .asString()
                    .doesNotContain("\n");
        }
    }

    @Test
    void evaluateCheckedPassesValuesInRange() {
        assertThat(Metrics.evaluateChecked(new OneMinusAucpr(), BINARY))
                .isEqualTo(new OneMinusAucpr().evaluate(BINARY));
        assertThat(Metrics.evaluateChecked(returning(-3.0, -5.0, 5.0), BINARY)).isEqualTo(-3.0);
        assertThat(Metrics.evaluateChecked(returning(1.0, 0.0, 1.0), BINARY)).isEqualTo(1.0);
    }

    @Test
    void evaluateCheckedRejectsOutOfRangeAndNonFiniteValues() {
        String prefix = "metric \"fixed\" (" + MetricsTest.class.getName() + "$1) returned ";
        assertThatThrownBy(() -> Metrics.evaluateChecked(returning(1.5, 0.0, 1.0), BINARY))
                .asInstanceOf(throwable(MetricOptException.class))
                .returns(ErrorClass.METRIC_FAILURE, MetricOptException::errorClass)
                .hasMessage(
                        prefix
                                + "1.5, outside its declared range [0.0, 1.0]; fix the metric or"
                                + " its lowerBound()/upperBound()");
        assertThatThrownBy(() -> Metrics.evaluateChecked(returning(Double.NaN, 0.0, 1.0), BINARY))
                .isInstanceOf(MetricOptException.class)
                .hasMessageStartingWith(prefix + "NaN, outside its declared range");
    }

    @Test
    void evaluateCheckedRejectsABadDeclaredRange() {
        assertThatThrownBy(() -> Metrics.evaluateChecked(returning(0.0, 1.0, 1.0), BINARY))
                .asInstanceOf(throwable(MetricOptException.class))
                .returns(ErrorClass.METRIC_FAILURE, MetricOptException::errorClass)
                .hasMessageContaining("declares the range [1.0, 1.0]");
        assertThatThrownBy(
                        () ->
                                Metrics.evaluateChecked(
                                        returning(0.0, 0.0, Double.POSITIVE_INFINITY), BINARY))
                .isInstanceOf(MetricOptException.class)
                .hasMessageContaining("must be finite");
    }

    @Test
    void evaluateCheckedWrapsFailuresButPassesOnBadInput() {
        Metric throwing =
                new Metric() {
                    private static final long serialVersionUID = 1L;

                    @Override
                    public String id() {
                        return "throwing";
                    }

                    @Override
                    public double evaluate(Predictions p) {
                        throw new ArithmeticException("/ by zero");
                    }
                };
        assertThatThrownBy(() -> Metrics.evaluateChecked(throwing, BINARY))
                .asInstanceOf(throwable(MetricOptException.class))
                .returns(ErrorClass.METRIC_FAILURE, MetricOptException::errorClass)
                .hasMessageEndingWith("failed: java.lang.ArithmeticException: / by zero")
                .hasCauseInstanceOf(ArithmeticException.class);
        assertThatThrownBy(() -> Metrics.evaluateChecked(new TopKError(2), BINARY))
                .isExactlyInstanceOf(IllegalArgumentException.class);
    }
}
