package org.metricopt.common.interp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.function.IntToDoubleFunction;
import org.junit.jupiter.api.Test;

class GaussianProcessTest {

    /** Steps 0, spacing, 2·spacing, … up to T. */
    private static int[] everyStep(int spacing, int horizonT) {
        int[] steps = new int[horizonT / spacing + 1];
        for (int i = 0; i < steps.length; i++) {
            steps[i] = i * spacing;
        }
        return steps;
    }

    private static double[] sample(int[] steps, IntToDoubleFunction f) {
        double[] values = new double[steps.length];
        for (int i = 0; i < steps.length; i++) {
            values[i] = f.applyAsDouble(steps[i]);
        }
        return values;
    }

    @Test
    void interpolatesNoiseFreeObservationsExactly() {
        GaussianProcess gp = GaussianProcess.builder().optFixedNoiseVariance(1e-12).build();
        int[] steps = {0, 7, 20, 33, 41, 60, 80, 95, 100};
        double[] values = sample(steps, t -> 0.6 * Math.exp(-t / 30.0) + 0.1 + 0.02 * (t % 3));

        Interpolation result = gp.interpolate(steps, values, 100);

        assertThat(result.horizon()).isEqualTo(100);
        assertThat(result.mean()).hasSize(101);
        assertThat(result.std()).hasSize(101);
        for (int i = 0; i < steps.length; i++) {
            assertThat(result.mean(steps[i])).isCloseTo(values[i], within(1e-6));
        }
    }

    @Test
    void stdIsSmallestAtObservationsAndGrowsAwayFromThem() {
        GaussianProcess gp =
                GaussianProcess.builder()
                        .optFixedLengthScaleSteps(10)
                        .optFixedNoiseVariance(1e-8)
                        .build();
        int[] steps = {20, 40, 60};
        double[] values = {0.5, 0.3, 0.25};

        Interpolation result = gp.interpolate(steps, values, 200);

        double atObservation = Math.max(result.std(20), result.std(40));
        double midpoint = result.std(30);
        double farOutside = result.std(200);
        assertThat(midpoint).isGreaterThan(atObservation);
        assertThat(farOutside).isGreaterThan(midpoint);
        for (int t = 0; t <= 200; t++) {
            assertThat(result.std(t)).isGreaterThanOrEqualTo(result.std(40) - 1e-12);
        }
        // Far from the data the curve reverts to the data mean.
        assertThat(result.mean(200)).isCloseTo(0.35, within(1e-9));
    }

    @Test
    void includeNoiseAddsTheObservationNoiseToTheVariance() {
        int[] steps = {0, 50, 100};
        double[] values = {0.5, 0.3, 0.25};
        GpHyperparameters h = GpHyperparameters.of(40, 0.01, 1e-4);

        Interpolation latent = GaussianProcess.defaults().interpolate(steps, values, 100, h);
        Interpolation noisy =
                GaussianProcess.builder()
                        .optIncludeNoise(true)
                        .build()
                        .interpolate(steps, values, 100, h);

        for (int t = 0; t <= 100; t++) {
            assertThat(noisy.mean(t)).isEqualTo(latent.mean(t));
            double expected = Math.sqrt(latent.std(t) * latent.std(t) + 1e-4);
            assertThat(noisy.std(t)).isCloseTo(expected, within(1e-9));
        }
    }

    @Test
    void monotoneDataStaysRoughlyWithinTheDataRange() {
        int[] steps = everyStep(10, 100);
        double[] values = sample(steps, t -> 0.9 / (1 + t / 10.0) + 0.05);
        double min = 0.05 + 0.9 / 11;
        double max = 0.95;
        double slack = 0.05 * (max - min);

        Interpolation result = GaussianProcess.defaults().interpolate(steps, values, 100);

        for (int t = 0; t <= 100; t++) {
            assertThat(result.mean(t)).isBetween(min - slack, max + slack);
            assertThat(result.std(t)).isFinite().isNotNegative();
        }
    }

    @Test
    void marginalLikelihoodPrefersLongerLengthScaleForSmoothCurves() {
        GaussianProcess gp = GaussianProcess.defaults();
        int[] steps = everyStep(4, 200);
        double[] smooth = sample(steps, t -> 0.5 + 0.3 * Math.sin(2 * Math.PI * t / 400.0));
        double[] wiggly = sample(steps, t -> 0.5 + 0.3 * Math.sin(2 * Math.PI * t / 14.0));

        GpHyperparameters smoothFit = gp.fit(steps, smooth, 200);
        GpHyperparameters wigglyFit = gp.fit(steps, wiggly, 200);

        assertThat(smoothFit.lengthScaleSteps()).isGreaterThan(wigglyFit.lengthScaleSteps());
        assertThat(smoothFit.lengthScaleSteps()).isGreaterThanOrEqualTo(16.0);
        assertThat(wigglyFit.lengthScaleSteps()).isLessThanOrEqualTo(4.0);
    }

    @Test
    void fitMaximisesTheLogMarginalLikelihoodOverTheGrid() {
        GaussianProcess gp = GaussianProcess.defaults();
        int[] steps = {0, 10, 20, 30, 45, 60, 75, 100};
        double[] values = {0.9, 0.7, 0.62, 0.5, 0.47, 0.41, 0.42, 0.35};
        double mean = 0;
        for (double v : values) {
            mean += v;
        }
        mean /= values.length;
        double variance = 0;
        for (double v : values) {
            variance += (v - mean) * (v - mean);
        }
        variance /= values.length - 1;

        GpHyperparameters best = gp.fit(steps, values, 100);

        assertThat(best.logMarginalLikelihood())
                .isEqualTo(
                        gp.logMarginalLikelihood(
                                steps,
                                values,
                                100,
                                best.lengthScaleSteps(),
                                best.signalVariance(),
                                best.noiseVariance()));
        double medianSpacing = 15;
        for (double l : new double[] {0.5, 1, 2, 4, 8}) {
            for (double s : new double[] {0.25, 1, 4}) {
                for (double r : new double[] {1e-6, 1e-3, 1e-2}) {
                    double lml =
                            gp.logMarginalLikelihood(
                                    steps,
                                    values,
                                    100,
                                    l * medianSpacing,
                                    s * variance,
                                    r * s * variance);
                    assertThat(lml).isLessThanOrEqualTo(best.logMarginalLikelihood() + 1e-9);
                }
            }
        }
    }

    @Test
    void logMarginalLikelihoodMatchesTheClosedFormForOneObservation() {
        // One observation: y - mean = 0, so log p = -0.5 log(2π (s² + σn² + jitter·s²)).
        double lml =
                GaussianProcess.defaults()
                        .logMarginalLikelihood(new int[] {5}, new double[] {0.3}, 10, 3, 0.5, 0.1);
        double expected =
                -0.5 * Math.log(2 * Math.PI * (0.5 + 0.1 + GaussianProcess.JITTER_RATIO * 0.5));
        assertThat(lml).isCloseTo(expected, within(1e-12));
    }

    @Test
    void fixedLengthScaleSkipsTheGrid() {
        GaussianProcess gp = GaussianProcess.builder().optFixedLengthScaleSteps(37).build();
        int[] steps = everyStep(5, 100);
        double[] values = sample(steps, t -> Math.cos(t / 3.0));

        assertThat(gp.fit(steps, values, 100).lengthScaleSteps()).isCloseTo(37, within(1e-9));
    }

    @Test
    void constantObservationsGiveTheConstantWithSmallStd() {
        int[] steps = {0, 25, 50, 75, 100};
        double[] values = {0.2, 0.2, 0.2, 0.2, 0.2};

        Interpolation result = GaussianProcess.defaults().interpolate(steps, values, 100);

        for (int t = 0; t <= 100; t++) {
            assertThat(result.mean(t)).isCloseTo(0.2, within(1e-12));
            assertThat(result.std(t)).isLessThan(1e-4);
        }
    }

    @Test
    void singleObservationGivesConstantMeanAndPriorStd() {
        Interpolation result =
                GaussianProcess.defaults().interpolate(new int[] {3}, new double[] {0.4}, 9);

        assertThat(result.mean()).containsOnly(0.4).hasSize(10);
        assertThat(result.std()).containsOnly(0.5 * 0.4 + 0.05);
        assertThat(GaussianProcess.defaults().interpolate(new int[] {0}, new double[] {0}, 0).std())
                .containsExactly(0.05);
    }

    @Test
    void sameInputGivesBitIdenticalOutput() throws IOException, ClassNotFoundException {
        int[] steps = {0, 3, 11, 19, 40, 41, 77, 100};
        double[] values = {0.8, 0.71, 0.66, 0.6, 0.52, 0.55, 0.31, 0.3};
        GaussianProcess gp = GaussianProcess.defaults();

        Interpolation first = gp.interpolate(steps, values, 100);
        Interpolation second = gp.interpolate(steps.clone(), values.clone(), 100);
        Interpolation fromCopy = roundTrip(gp).interpolate(steps, values, 100);

        assertThat(second).isEqualTo(first);
        assertThat(fromCopy).isEqualTo(first);
        for (int t = 0; t <= 100; t++) {
            assertThat(Double.doubleToRawLongBits(second.mean(t)))
                    .isEqualTo(Double.doubleToRawLongBits(first.mean(t)));
            assertThat(Double.doubleToRawLongBits(second.std(t)))
                    .isEqualTo(Double.doubleToRawLongBits(first.std(t)));
        }
    }

    @Test
    void configurationSurvivesSerialization() throws IOException, ClassNotFoundException {
        GaussianProcess gp =
                GaussianProcess.builder()
                        .optFixedLengthScaleSteps(12)
                        .optFixedNoiseVariance(1e-3)
                        .optIncludeNoise(true)
                        .build();

        assertThat(roundTrip(gp)).isEqualTo(gp).hasSameHashCodeAs(gp);
        assertThat(gp).isNotEqualTo(GaussianProcess.defaults());
        assertThat(gp.toString()).contains("fixedNoiseVariance=0.001");
    }

    @Test
    void rejectsInvalidObservations() {
        GaussianProcess gp = GaussianProcess.defaults();

        assertThatThrownBy(() -> gp.interpolate(new int[] {0, 5, 3}, new double[] {1, 2, 3}, 10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("steps[2]")
                .hasMessageContaining("strictly increasing");
        assertThatCode(() -> gp.interpolate(new int[] {0, 5}, new double[] {1, 1}, 10))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> gp.interpolate(new int[] {0, 5, 5}, new double[] {1, 2, 3}, 10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("steps[2]");
        assertThatThrownBy(
                        () ->
                                gp.interpolate(
                                        new int[] {0, 5, 8}, new double[] {1, Double.NaN, 3}, 10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("values[1]");
        assertThatThrownBy(
                        () ->
                                gp.interpolate(
                                        new int[] {0, 5},
                                        new double[] {1, Double.NEGATIVE_INFINITY},
                                        10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("values[1]");
        assertThatThrownBy(() -> gp.interpolate(new int[] {0, 11}, new double[] {1, 2}, 10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("steps[1]")
                .hasMessageContaining("outside [0, horizonT = 10]");
        assertThatThrownBy(() -> gp.interpolate(new int[] {-1, 3}, new double[] {1, 2}, 10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("steps[0]");
        assertThatThrownBy(() -> gp.interpolate(new int[0], new double[0], 10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty");
        assertThatThrownBy(() -> gp.interpolate(new int[] {0, 1}, new double[] {1}, 10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("same length");
        assertThatThrownBy(() -> gp.fit(new int[] {2}, new double[] {1}, 10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least two");
    }

    @Test
    void rejectsInvalidConfiguration() {
        assertThatThrownBy(() -> GaussianProcess.builder().optFixedLengthScaleSteps(-1).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fixedLengthScaleSteps");
        assertThatThrownBy(
                        () -> GaussianProcess.builder().optFixedNoiseVariance(Double.NaN).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fixedNoiseVariance");
        assertThatThrownBy(() -> GaussianProcess.builder().optLengthScaleMultipliers().build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lengthScaleMultipliers");
        assertThatThrownBy(() -> GaussianProcess.builder().optNoiseRatios(1e-3, -1).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("noiseRatios[1]");
        assertThatThrownBy(() -> GaussianProcess.builder().optMinSignalVariance(0).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("minSignalVariance");
        assertThatThrownBy(() -> GpHyperparameters.of(0, 1, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lengthScaleSteps");
    }

    private static GaussianProcess roundTrip(GaussianProcess gp)
            throws IOException, ClassNotFoundException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(gp);
        }
        try (ObjectInputStream in =
                new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (GaussianProcess) in.readObject();
        }
    }
}
