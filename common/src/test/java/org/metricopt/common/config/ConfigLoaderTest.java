package org.metricopt.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;

class ConfigLoaderTest {
    @TempDir Path dir;

    private Path writeConf(String hocon) throws IOException {
        Path f = dir.resolve("user.conf");
        Files.writeString(f, hocon);
        return f;
    }

    private MetricOptConfig loadFile(String hocon, String... overrides) throws IOException {
        return ConfigLoader.load(writeConf(hocon).toString(), List.of(overrides));
    }

    private MetricOptException rejectFile(String hocon) throws IOException {
        Path f = writeConf(hocon);
        return catchThrowableOfType(
                MetricOptException.class, () -> ConfigLoader.load(f.toString(), List.of()));
    }

    private static MetricOptException rejectOverrides(String... overrides) {
        return catchThrowableOfType(
                MetricOptException.class, () -> ConfigLoader.load(null, List.of(overrides)));
    }

    /** The error is INVALID_CONFIG, one line, and names every given fragment (key, value). */
    private static void assertInvalidConfig(MetricOptException e, String... fragments) {
        assertThat(e).as("expected a MetricOptException").isNotNull();
        assertThat(e.errorClass()).isEqualTo(ErrorClass.INVALID_CONFIG);
        assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("\r");
        assertThat(e.getMessage()).contains(fragments);
    }

    @Test
    void defaultsLoadWithTheDocumentedValues() {
        MetricOptConfig c = ConfigLoader.load(null, List.of());

        assertThat(c.seed()).isEqualTo(20210619L);
        assertThat(c.inner().steps()).isEqualTo(200);
        assertThat(c.inner().observeFraction()).isEqualTo(0.05);
        assertThat(c.inner().batchSize()).isEqualTo(64);
        assertThat(c.inner().optimizer()).isEqualTo(InnerLoopConfig.ADAM);
        assertThat(c.inner().learningRate()).isEqualTo(0.04);
        assertThat(c.data().root()).isEqualTo("/usr/share/datasets/fashion-mnist");
        assertThat(c.data().pretrainCount()).isEqualTo(30000);
        assertThat(c.data().metaTestPoolFraction()).isEqualTo(0.3);
        assertThat(c.network().kind()).isEqualTo(NetworkConfig.MLP);
        assertThat(c.network().mlpHidden()).containsExactly(256, 128);
        assertThat(c.tasks().trainSize()).isEqualTo(1000);
        assertThat(c.tasks().valSize()).isEqualTo(500);
        assertThat(c.tasks().testSize()).isEqualTo(1000);
        assertThat(c.tasks().mixture())
                .containsOnlyKeys("aucpr-imbalanced", "mcr-noisy", "input-shift");
        assertThat(c.spark().master()).isEqualTo("local[*]");
        assertThat(c.finetuneTasks()).isEqualTo(24);
    }

    @Test
    void defaultObservationsAreEveryTwentyStepsFromZeroToT() {
        InnerLoopConfig inner = ConfigLoader.load(null, List.of()).inner();

        int t = inner.steps();
        int k = inner.observations();
        assertThat(k).isEqualTo(Math.max(1, (int) Math.round(0.05 * t))).isEqualTo(10);
        int[] steps = inner.observationSteps();
        assertThat(steps).containsExactly(0, 20, 40, 60, 80, 100, 120, 140, 160, 180, 200);
        assertThat(steps).hasSize(k + 1);
        assertThat(steps[k]).isEqualTo(t);
    }

    @Test
    void observationsAreAtLeastOneIntervalWithStepZeroAndTIncluded() {
        assertThat(InnerLoopConfig.observations(10, 0.01)).isEqualTo(1);
        assertThat(InnerLoopConfig.observations(50, 0.05)).isEqualTo(3);
        assertThat(InnerLoopConfig.observations(3, 1.0)).isEqualTo(3);
        InnerLoopConfig one = new InnerLoopConfig(1, 0.05, 1, "sgd", 0.1, 0.9, 0.02, 0.0, 0L);
        assertThat(one.observationSteps()).containsExactly(0, 1);
        InnerLoopConfig fifty = new InnerLoopConfig(50, 0.05, 1, "sgd", 0.1, 0.9, 0.02, 0.0, 0L);
        assertThat(fifty.observationSteps()).containsExactly(0, 17, 33, 50);
        InnerLoopConfig every = new InnerLoopConfig(4, 1.0, 1, "sgd", 0.1, 0.9, 0.02, 0.0, 0L);
        assertThat(every.observationSteps()).containsExactly(0, 1, 2, 3, 4);
    }

    @Test
    void overrideBeatsFileBeatsDefaults() throws IOException {
        MetricOptConfig c =
                loadFile(
                        "inner.steps = 300\ninner.batch-size = 32\nfinetune { tasks = 7 }\n",
                        "inner.steps=50");

        assertThat(c.inner().steps()).isEqualTo(50);
        assertThat(c.inner().batchSize()).isEqualTo(32);
        assertThat(c.finetuneTasks()).isEqualTo(7);
        assertThat(c.inner().optimizer()).isEqualTo(InnerLoopConfig.ADAM);
        assertThat(c.inner().observationSteps()).containsExactly(0, 17, 33, 50);
    }

    @Test
    void laterOverridesBeatEarlierOnes() {
        MetricOptConfig c = ConfigLoader.load(null, List.of("inner.steps=50", "inner.steps=70"));

        assertThat(c.inner().steps()).isEqualTo(70);
    }

    @Test
    void overrideAcceptsABareStringThatIsNotHocon() {
        MetricOptConfig c =
                ConfigLoader.load(null, List.of("spark.master=local[2]", "inner.optimizer=sgd"));

        assertThat(c.spark().master()).isEqualTo("local[2]");
        assertThat(c.inner().optimizer()).isEqualTo(InnerLoopConfig.SGD);
        assertThat(c.inner().learningRate()).isEqualTo(0.3);
    }

    @Test
    void resolvedJsonReflectsOverrides() {
        MetricOptConfig c = ConfigLoader.load(null, List.of("inner.steps=50"));

        assertThat(c.resolvedJson()).contains("\"steps\" : 50");
    }

    @Test
    void unknownTopLevelKeySuggestsTheClosestKnownKey() throws IOException {
        MetricOptException e = rejectFile("inner.step = 3\n");

        assertInvalidConfig(e, "inner.step ", "did you mean inner.steps?");
    }

    @Test
    void unknownKeyFromAnOverrideIsRejectedToo() {
        assertInvalidConfig(
                rejectOverrides("spark.mastr=local[2]"),
                "spark.mastr",
                "did you mean spark.master?");
    }

    @Test
    void unknownFamilyKeySuggestsTheFamilyKey() throws IOException {
        MetricOptException e = rejectFile("tasks.families.mcr-noisy.label-nosie = [0, 0.1]\n");

        assertInvalidConfig(
                e,
                "tasks.families.mcr-noisy.label-nosie",
                "did you mean tasks.families.mcr-noisy.label-noise?");
    }

    @Test
    void unknownKeyInAUserDefinedFamilySuggestsTheKeyInThatFamily() throws IOException {
        MetricOptException e =
                rejectFile("tasks.families.my-f1 { kind = one-vs-rest, metirc = one-minus-f1 }\n");

        assertInvalidConfig(
                e, "tasks.families.my-f1.metirc", "did you mean tasks.families.my-f1.metric?");
    }

    @Test
    void familyThatIsNotAnObjectIsRejected() throws IOException {
        assertInvalidConfig(
                rejectFile("tasks.families.mcr-noisy = 5\n"),
                "config key tasks.families.mcr-noisy = 5",
                "an object of family settings");
    }

    @Test
    void farOffUnknownKeyPointsAtTheDefaultsFile() throws IOException {
        MetricOptException e = rejectFile("completely-unrelated-setting = 1\n");

        assertInvalidConfig(e, "completely-unrelated-setting", "conf/defaults.conf");
        assertThat(e.getMessage()).doesNotContain("did you mean");
    }

    @Test
    void wrongTypeNamesKeyAndValue() throws IOException {
        MetricOptException e = rejectFile("inner.steps = \"abc\"\n");

        assertInvalidConfig(e, "inner.steps", "abc", "an integer in [1, 1000000]");
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "inner.steps | -5 | -5 | an integer",
                "inner.steps | 0 | 0 | an integer",
                "inner.observe-fraction | 0 | 0 | (0, 1]",
                "inner.observe-fraction | 1.5 | 1.5 | (0, 1]",
                "tasks.families.mcr-noisy.label-noise | [0, 1.5] | 1.5 | 0 <= lo <= hi <= 1",
                "tasks.families.aucpr-imbalanced.positive-fraction | [0.2, 0.1] | 0.2,0.1"
                        + " | lo <= hi",
                "tasks.families.mcr-noisy.num-classes | [1, 5] | 1,5 | 2 <= lo",
                "tasks.families.mcr-noisy.label-noise | [0.1] | 0.1 | a list [lo, hi]",
                "inner.batch-size | 2000 | 2000 | tasks.train-size = 1000",
                "inner.optimizer | rmsprop | rmsprop | one of sgd, adam",
                "network.kind | resnet | resnet | one of mlp, cnn",
                "tasks.families.mcr-noisy.kind | regression | regression | one-vs-rest",
                "data.meta-test-pool-fraction | 1 | 1 | (0, 1)",
                "data.meta-test-pool-fraction | 0 | 0 | (0, 1]",
                "learned-optimizer.reparam-truncation-steps | -1 | -1 | an integer in [0, 1000000]",
                "learned-optimizer.reparam-second-order | maybe | maybe | true or false",
            })
    void outOfRangeValueNamesKeyValueAndWhatIsAllowed(
            String key, String value, String shownValue, String allowed) throws IOException {
        MetricOptException e = rejectFile(key + " = " + value + "\n");

        assertInvalidConfig(e, "config key " + key + " = ", shownValue, allowed);
    }

    @Test
    void outOfRangeValueFromAnOverrideIsRejected() {
        assertInvalidConfig(rejectOverrides("inner.steps=-1"), "inner.steps", "-1");
    }

    @Test
    void oneVsRestEvaluationSetsMustHoldMoreThanTheMinimumPositives() throws IOException {
        MetricOptException e = rejectFile("tasks.val-size = 10\n");

        assertInvalidConfig(
                e,
                "config key tasks.families.aucpr-imbalanced.min-eval-positives = 10",
                "tasks.val-size = 10");
    }

    @Test
    void smallEvaluationSetsAreFineWithFewerMinimumPositives() throws IOException {
        MetricOptConfig c =
                loadFile("tasks.val-size = 10\ntasks.family-defaults.min-eval-positives = 9\n");

        assertThat(c.tasks().families().get("aucpr-imbalanced").minEvalPositives()).isEqualTo(9);
    }

    @Test
    void multiclassFamiliesIgnoreTheMinimumPositives() throws IOException {
        MetricOptConfig c =
                loadFile(
                        "tasks.val-size = 10\n"
                                + "tasks.families.aucpr-imbalanced.min-eval-positives = 3\n");

        assertThat(c.tasks().families().get("mcr-noisy").minEvalPositives()).isEqualTo(10);
    }

    @Test
    void mixtureWithoutAPositiveWeightIsRejected() throws IOException {
        MetricOptException e =
                rejectFile(
                        "tasks.mixture { aucpr-imbalanced = 0, mcr-noisy = 0, input-shift = 0 }\n");

        assertInvalidConfig(e, "tasks.mixture", "aucpr-imbalanced", "weight > 0");
    }

    @Test
    void mixtureNamingAnUndefinedFamilyIsRejected() throws IOException {
        MetricOptException e = rejectFile("tasks.mixture.no-such-family = 1\n");

        assertInvalidConfig(
                e, "tasks.mixture.no-such-family", "1", "aucpr-imbalanced, input-shift, mcr-noisy");
    }

    @Test
    void negativeMixtureWeightIsRejected() throws IOException {
        assertInvalidConfig(
                rejectFile("tasks.mixture.mcr-noisy = -1\n"), "tasks.mixture.mcr-noisy", "-1");
    }

    @Test
    void zeroWeightDropsAFamilyFromTheMixture() {
        MetricOptConfig c = ConfigLoader.load(null, List.of("tasks.mixture.mcr-noisy=0"));

        assertThat(c.tasks().mixture()).containsOnlyKeys("aucpr-imbalanced", "input-shift");
        assertThat(c.tasks().families()).containsKey("mcr-noisy");
    }

    @Test
    void userDefinedFamilyIsAcceptedAndInheritsFamilyDefaults() throws IOException {
        MetricOptConfig c =
                loadFile(
                        "tasks.families.my-f1 { kind = one-vs-rest, metric = one-minus-f1 }\n"
                                + "tasks.mixture.my-f1 = 1\n");

        FamilyConfig f = c.tasks().families().get("my-f1");
        assertThat(f).isNotNull();
        assertThat(f.name()).isEqualTo("my-f1");
        assertThat(f.kind()).isEqualTo(FamilyConfig.ONE_VS_REST);
        assertThat(f.metric()).isEqualTo("one-minus-f1");
        assertThat(f.loss()).isEqualTo("ce");
        assertThat(f.positiveFraction()).isEqualTo(new Range(0.1, 0.1));
        assertThat(f.minEvalPositives()).isEqualTo(10);
        assertThat(f.numClasses()).isEqualTo(new Range(10, 10));
        assertThat(f.contrast()).isEqualTo(new Range(1.0, 1.0));
        assertThat(f.rotationDeg()).isEqualTo(new Range(0.0, 0.0));
        assertThat(c.tasks().mixture()).containsEntry("my-f1", 1.0);
    }

    @Test
    void familyBlockOverridesOnlyTheKeysItSets() {
        MetricOptConfig c =
                ConfigLoader.load(null, List.of("tasks.families.mcr-noisy.label-noise=[0.1, 0.2]"));

        FamilyConfig f = c.tasks().families().get("mcr-noisy");
        assertThat(f.labelNoise()).isEqualTo(new Range(0.1, 0.2));
        assertThat(f.numClasses()).isEqualTo(new Range(3, 10));
        assertThat(f.kind()).isEqualTo(FamilyConfig.MULTICLASS);
    }

    @Test
    void missingConfFileIsAnInvalidArgumentNamingThePath() {
        String path = dir.resolve("nope.conf").toString();

        MetricOptException e =
                catchThrowableOfType(
                        MetricOptException.class, () -> ConfigLoader.load(path, List.of()));

        assertThat(e).isNotNull();
        assertThat(e.errorClass()).isEqualTo(ErrorClass.INVALID_ARGUMENT);
        assertThat(e.getMessage()).contains(path).doesNotContain("\n");
    }

    @Test
    void malformedHoconFileIsAnInvalidConfigOnOneLine() throws IOException {
        MetricOptException e = rejectFile("inner {\n  steps = 3\n");

        assertInvalidConfig(e, "user.conf");
    }

    @ParameterizedTest
    @CsvSource({"foo", "=5"})
    void overrideWithoutKeyEqualsValueIsAnInvalidArgument(String override) {
        MetricOptException e = rejectOverrides(override);

        assertThat(e).isNotNull();
        assertThat(e.errorClass()).isEqualTo(ErrorClass.INVALID_ARGUMENT);
        assertThat(e.getMessage()).contains("--set " + override).doesNotContain("\n");
    }

    @Test
    void wholeSectionOfTheWrongTypeIsAnInvalidConfig() throws IOException {
        assertInvalidConfig(rejectFile("inner = 5\n"), "inner", "5");
    }

    @Test
    void mixtureOfTheWrongTypeIsAnInvalidConfig() throws IOException {
        assertInvalidConfig(rejectFile("tasks.mixture = 5\n"), "tasks.mixture", "5");
    }

    @Test
    void fileMaySubstituteValuesFromTheDefaults() throws IOException {
        MetricOptConfig c = loadFile("inner.batch-size = ${pretrain.batch-size}\n");

        assertThat(c.inner().batchSize()).isEqualTo(128);
    }

    @Test
    void substitutionIntoAnUnknownKeyIsStillRejected() throws IOException {
        assertInvalidConfig(
                rejectFile("inner.step = ${inner.steps}\n"), "did you mean inner.steps?");
    }

    @Test
    void unresolvableSubstitutionIsAnInvalidConfig() throws IOException {
        assertInvalidConfig(rejectFile("inner.steps = ${no.such.key}\n"), "no.such.key");
    }
}
