package org.metricopt.common.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import java.io.File;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.commons.text.similarity.LevenshteinDistance;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;
import org.metricopt.common.metrics.Metric;
import org.metricopt.common.metrics.Metrics;

/**
 * Loads a HOCON configuration (a file plus {@code key=value} overrides) on top of the defaults in
 * {@code conf/defaults.conf} (shipped in the jar as {@code metricopt/defaults.conf}), rejects
 * unknown keys with a suggestion, and validates every value before any work starts.
 */
public final class ConfigLoader {
    public static final String DEFAULTS_RESOURCE = "metricopt/defaults.conf";
    private static final String FAMILIES = "tasks.families";
    private static final String FAMILY_DEFAULTS = "tasks.family-defaults";
    private static final String MIXTURE = "tasks.mixture";
    private static final String HADOOP = "hadoop";

    private ConfigLoader() {}

    /** The shipped defaults. */
    public static Config defaults() {
        Config d =
                ConfigFactory.parseResources(
                        ConfigLoader.class.getClassLoader(),
                        DEFAULTS_RESOURCE,
                        ConfigParseOptions.defaults().setAllowMissing(false));
        return d.resolve();
    }

    /**
     * Loads a configuration file (may be null for defaults only) and applies overrides of the form
     * {@code key=value}, where value is HOCON or a bare string.
     */
    public static MetricOptConfig load(String confFile, List<String> overrides) {
        Config user = ConfigFactory.empty();
        if (confFile != null) {
            File f = new File(confFile);
            if (!f.isFile()) {
                throw new MetricOptException(
                        ErrorClass.INVALID_ARGUMENT,
                        "--conf "
                                + confFile
                                + ": no such file; pass a HOCON file such as conf/quickstart.conf");
            }
            try {
                user =
                        ConfigFactory.parseFile(
                                f, ConfigParseOptions.defaults().setAllowMissing(false));
            } catch (ConfigException e) {
                throw new MetricOptException(
                        ErrorClass.INVALID_CONFIG,
                        "--conf " + confFile + " is not valid HOCON: " + oneLine(e.getMessage()));
            }
        }
        Config over = ConfigFactory.empty();
        for (String o : overrides) {
            over = parseOverride(o).withFallback(over);
        }
        return fromConfig(over.withFallback(user));
    }

    /** Validates a user configuration (without defaults) and resolves it against the defaults. */
    public static MetricOptConfig fromConfig(Config user) {
        Config defaults = defaults();
        Config merged;
        Config userResolved;
        try {
            merged = user.withFallback(defaults).resolve();
            // Substitutions in the user's keys may point at defaults, so resolve against both.
            userResolved = user.resolveWith(merged);
        } catch (ConfigException e) {
            throw new MetricOptException(
                    ErrorClass.INVALID_CONFIG,
                    "configuration does not resolve: " + oneLine(e.getMessage()));
        }
        checkKeys(userResolved, defaults);
        return build(merged);
    }

    static Config parseOverride(String o) {
        int eq = o.indexOf('=');
        if (eq <= 0) {
            throw new MetricOptException(
                    ErrorClass.INVALID_ARGUMENT,
                    "--set "
                            + Redaction.maskUriPasswords(o)
                            + ": expected key=value, for example --set inner.steps=200");
        }
        String key = o.substring(0, eq).trim();
        String value = o.substring(eq + 1).trim();
        try {
            Config parsed = ConfigFactory.parseString("\"__v\" = " + value);
            return ConfigFactory.empty().withValue(key, parsed.getValue("\"__v\""));
        } catch (ConfigException e) {
            try {
                return ConfigFactory.empty().withValue(key, ConfigValueFactory.fromAnyRef(value));
            } catch (ConfigException e2) {
                throw new MetricOptException(
                        ErrorClass.INVALID_ARGUMENT,
                        "--set "
                                + Redaction.argument(o)
                                + ": '"
                                + key
                                + "' is not a valid key path");
            }
        }
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replace('\n', ' ');
    }

    private static void checkKeys(Config user, Config defaults) {
        List<String> known = new ArrayList<>();
        for (Map.Entry<String, ConfigValue> e : defaults.entrySet()) {
            known.add(e.getKey());
        }
        Config familyDefaults = defaults.getConfig(FAMILY_DEFAULTS);
        for (Map.Entry<String, ConfigValue> e : familyDefaults.entrySet()) {
            known.add(FAMILIES + ".<family>." + e.getKey());
        }
        List<String> sortedKeys = new ArrayList<>();
        for (Map.Entry<String, ConfigValue> e : user.entrySet()) {
            sortedKeys.add(e.getKey());
        }
        sortedKeys.sort(Comparator.naturalOrder());
        for (String key : sortedKeys) {
            if (key.startsWith(MIXTURE + ".") || key.startsWith(HADOOP + ".")) {
                continue;
            }
            if (key.startsWith(FAMILIES + ".")) {
                String rest = key.substring(FAMILIES.length() + 1);
                int dot = rest.indexOf('.');
                if (dot < 0) {
                    // A family that is not an object; buildTasks names the expected type.
                    continue;
                }
                String sub = rest.substring(dot + 1);
                if (familyDefaults.hasPathOrNull(sub)) {
                    continue;
                }
                String placeholder = FAMILIES + ".<family>.";
                String hint = unknownKeyHint(placeholder + sub, known);
                // Suggest the key inside the user's own family block, ready to copy.
                throw unknownKey(
                        key,
                        hint.replace(placeholder, FAMILIES + "." + rest.substring(0, dot) + "."));
            }
            if (!defaults.hasPathOrNull(key)) {
                throw unknownKey(key, unknownKeyHint(key, known));
            }
        }
    }

    private static MetricOptException unknownKey(String key, String hint) {
        return new MetricOptException(
                ErrorClass.INVALID_CONFIG, "config key " + key + " is unknown" + hint);
    }

    /** "; did you mean K?" for the closest known key K, or a pointer to the defaults file. */
    private static String unknownKeyHint(String probe, List<String> known) {
        LevenshteinDistance lev = LevenshteinDistance.getDefaultInstance();
        String best = null;
        int bestD = Integer.MAX_VALUE;
        for (String k : known) {
            int d = lev.apply(probe, k);
            if (d < bestD) {
                bestD = d;
                best = k;
            }
        }
        return best != null && bestD <= Math.max(3, probe.length() / 3)
                ? "; did you mean " + best + "?"
                : "; see conf/defaults.conf for the keys";
    }

    private static MetricOptConfig build(Config c) {
        Settings s = new Settings(c, "");
        long seed = s.longValue("seed");

        Settings d = s.child("data");
        DataConfig data =
                new DataConfig(
                        d.string("root"),
                        d.intIn("pretrain-count", 1, Integer.MAX_VALUE),
                        d.doubleIn("meta-test-pool-fraction", 0.0, 1.0, true));
        if (data.metaTestPoolFraction() >= 1.0) {
            throw Settings.invalid(
                    "data.meta-test-pool-fraction",
                    data.metaTestPoolFraction(),
                    "a number in (0, 1)");
        }

        Settings n = s.child("network");
        NetworkConfig network =
                new NetworkConfig(
                        n.oneOf("kind", List.of(NetworkConfig.MLP, NetworkConfig.CNN)),
                        n.intIn("adapter-dim", 1, 4096),
                        n.intList("mlp-hidden", 2, 1, 8192),
                        n.intList("cnn-channels", 2, 1, 1024));

        Settings p = s.child("pretrain");
        PretrainConfig pretrain =
                new PretrainConfig(
                        p.string("path"),
                        p.intIn("epochs", 0, 1000),
                        p.intIn("batch-size", 1, 65536),
                        p.doubleIn("learning-rate", 0.0, 10.0, true));

        TaskDistributionConfig tasks = buildTasks(s.child("tasks"));

        Settings i = s.child("inner");
        InnerLoopConfig inner =
                new InnerLoopConfig(
                        i.intIn("steps", 1, 1_000_000),
                        i.doubleIn("observe-fraction", 0.0, 1.0, true),
                        i.intIn("batch-size", 1, 65536),
                        i.oneOf("optimizer", List.of(InnerLoopConfig.SGD, InnerLoopConfig.ADAM)),
                        i.doubleIn("sgd-learning-rate", 0.0, 1000.0, true),
                        i.doubleIn("sgd-momentum", 0.0, 0.999, false),
                        i.doubleIn("adam-learning-rate", 0.0, 1000.0, true),
                        i.doubleIn("phi-init-std", 0.0, 100.0, false),
                        i.intIn("metric-timeout-ms", 0, Integer.MAX_VALUE));
        if (inner.batchSize() > tasks.trainSize()) {
            throw Settings.invalid(
                    "inner.batch-size",
                    inner.batchSize(),
                    "at most tasks.train-size = " + tasks.trainSize());
        }

        Settings sp = s.child("spark");
        SparkSettings spark =
                new SparkSettings(
                        sp.string("master"),
                        sp.string("app-name"),
                        sp.intIn("partitions", 0, 1_000_000),
                        sp.intIn("djl-threads", 1, 1024),
                        sp.bool("event-log"),
                        sp.intIn("task-data-cache-mb", 0, 1_000_000),
                        sp.bool("phase-b-locality"));

        int finetuneTasks = s.child("finetune").intIn("tasks", 1, 1_000_000);

        Settings v = s.child("value-function");
        ValueFunctionConfig valueFunction =
                new ValueFunctionConfig(
                        v.intIn("hidden", 1, 4096),
                        v.doubleIn("sigma0", 0.0, 100.0, true),
                        v.doubleIn("rank-weight", 0.0, 1e6, false),
                        v.doubleIn("rank-temperature", 0.0, 1e6, true),
                        v.intIn("rank-pairs", 0, 1_000_000),
                        v.intIn("adapt-steps", 0, 100_000),
                        v.doubleIn("adapt-learning-rate", 0.0, 1e3, false),
                        v.doubleIn("adapt-clip", 0.0, 1e9, true),
                        v.doubleIn("reptile-step", 0.0, 1.0, true),
                        v.doubleIn("lambda", 0.0, 1e6, false),
                        v.doubleIn("min-std", 0.0, 1e3, true),
                        v.oneOf(
                                "target",
                                List.of(
                                        ValueFunctionConfig.RESIDUAL,
                                        ValueFunctionConfig.ABSOLUTE)),
                        v.bool("context"),
                        v.doubleIn("context-min-std", 0.0, 1e3, true),
                        v.doubleIn("pair-weight", 0.0, 1e9, false),
                        v.bool("normalise-weights"),
                        v.oneOf(
                                "meta-optimizer",
                                List.of(ValueFunctionConfig.ADAM, ValueFunctionConfig.SGD)),
                        v.doubleIn("meta-learning-rate", 0.0, 10.0, true),
                        v.intIn("online-adapt-steps", 0, 100_000),
                        v.doubleIn("online-adapt-learning-rate", 0.0, 1e3, false),
                        v.oneOf(
                                "combination",
                                List.of(ValueFunctionConfig.ADD, ValueFunctionConfig.PROJECT)),
                        v.oneOf(
                                "init",
                                List.of(ValueFunctionConfig.FAN_IN, ValueFunctionConfig.GLOROT)),
                        v.doubleList("gp-noise-ratios", 0.0, 1e6));

        Settings mt = s.child("meta-train");
        List<String> optimizers =
                mt.stringList("optimizers", List.of(InnerLoopConfig.SGD, InnerLoopConfig.ADAM));
        MetaTrainConfig metaTrain =
                new MetaTrainConfig(
                        mt.intIn("iterations", 0, 10_000_000),
                        mt.intIn("tasks-per-iteration", 1, 1_000_000),
                        optimizers,
                        mt.intIn("checkpoint-every", 1, 10_000_000),
                        mt.doubleIn("max-failed-fraction", 0.0, 1.0, false),
                        mt.doubleIn("log-interval-s", 0.0, 86_400.0, false),
                        mt.intIn("probe-pairs", 0, 1_000),
                        mt.doubleIn("probe-radius", 0.0, 1e6, true),
                        mt.doubleList("lr-multipliers", 0.0, 1e6),
                        mt.oneOf(
                                "adapt-on",
                                List.of(MetaTrainConfig.EXECUTORS, MetaTrainConfig.DRIVER)));

        Settings ev = s.child("eval");
        EvalConfig eval =
                new EvalConfig(
                        ev.intIn("tasks-per-family", 1, 1_000_000),
                        ev.intIn("validation-tasks-per-family", 1, 1_000_000),
                        ev.doubleList("lr-grid", 0.0, 1e6),
                        ev.doubleList("lambda-grid", 0.0, 1e6),
                        ev.stringList("methods", EvalConfig.KNOWN_METHODS),
                        ev.oneOf(
                                "held-out-stream",
                                List.of(EvalConfig.META_TEST, EvalConfig.VALIDATION)),
                        ev.oneOf(
                                "learned-weights",
                                List.of(EvalConfig.TRAINED, EvalConfig.INITIAL)));
        Settings lo = s.child("learned-optimizer");
        LearnedOptimizerConfig learned =
                new LearnedOptimizerConfig(
                        lo.bool("enabled"),
                        lo.intIn("hidden", 1, 4096),
                        lo.doubleIn("base-step", 0.0, 1e3, true),
                        lo.intIn("pairs-per-task", 1, 100_000),
                        lo.doubleIn("sigma-squared", 0.0, 1e3, true),
                        lo.doubleIn("metric-weight", 0.0, 1e6, false),
                        lo.doubleIn("beta-fraction", 0.0, 1e3, true),
                        lo.doubleIn("epsilon", 0.0, 1.0, true),
                        lo.bool("reparameterisation"),
                        lo.intIn("reparam-truncation-steps", 0, 1_000_000),
                        lo.bool("reparam-second-order"),
                        lo.doubleIn("meta-learning-rate", 0.0, 10.0, true),
                        lo.doubleIn("clip", 0.0, 1e9, true),
                        lo.doubleIn("divergence-penalty", 0.0, 1e9, true),
                        lo.bool("population-batching"),
                        lo.oneOf(
                                "phase-a-unrolls",
                                List.of(
                                        LearnedOptimizerConfig.BASE,
                                        LearnedOptimizerConfig.LEARNED)),
                        lo.oneOf(
                                "metric-source",
                                List.of(
                                        LearnedOptimizerConfig.PREDICTED,
                                        LearnedOptimizerConfig.OBSERVED)),
                        lo.oneOf(
                                "metric-objective",
                                List.of(
                                        LearnedOptimizerConfig.REGRET,
                                        LearnedOptimizerConfig.MEAN_RELATIVE,
                                        LearnedOptimizerConfig.MEAN_CHANGE)));
        if (learned.observedMetric() && learned.reparameterisation()) {
            // An observed metric is a black box: nothing to back-propagate L_metric through.
            throw Settings.invalid(
                    "learned-optimizer.metric-source",
                    learned.metricSource(),
                    "predicted while learned-optimizer.reparameterisation = true (an observed"
                            + " metric has no gradient)");
        }
        if (!LearnedOptimizerConfig.REGRET.equals(learned.metricObjective())
                && learned.reparameterisation()) {
            // The back-propagated L_opt (ReparamUnroll) implements supp. Eq. 2 only.
            throw Settings.invalid(
                    "learned-optimizer.metric-objective",
                    learned.metricObjective(),
                    "regret while learned-optimizer.reparameterisation = true");
        }
        SortedMap<String, String> hadoop = buildHadoop(c);
        String json =
                Redaction.config(c).root().render(ConfigRenderOptions.concise().setFormatted(true));
        return new MetricOptConfig(
                seed,
                data,
                network,
                pretrain,
                tasks,
                inner,
                spark,
                finetuneTasks,
                valueFunction,
                metaTrain,
                eval,
                learned,
                hadoop,
                json);
    }

    /**
     * The {@code hadoop} block: Hadoop client settings, written either quoted ({@code
     * "fs.s3a.endpoint" = ...}) or as nested keys; both give the same dotted Hadoop key. Values
     * must be scalars.
     */
    private static SortedMap<String, String> buildHadoop(Config c) {
        SortedMap<String, String> out = new TreeMap<>();
        Config h = new Settings(c, "").child(HADOOP).raw();
        for (Map.Entry<String, ConfigValue> e : h.entrySet()) {
            String key = String.join(".", com.typesafe.config.ConfigUtil.splitPath(e.getKey()));
            ConfigValue v = e.getValue();
            if (v.valueType() == com.typesafe.config.ConfigValueType.LIST
                    || v.valueType() == com.typesafe.config.ConfigValueType.NULL) {
                throw Settings.invalid(
                        HADOOP + ".\"" + key + "\"",
                        Redaction.isSensitiveKey(key) ? Redaction.MASK : v,
                        "a string, number or boolean Hadoop setting");
            }
            out.put(key, String.valueOf(v.unwrapped()));
        }
        return out;
    }

    private static TaskDistributionConfig buildTasks(Settings t) {
        int trainSize = t.intIn("train-size", 2, 1_000_000);
        int valSize = t.intIn("val-size", 2, 1_000_000);
        int testSize = t.intIn("test-size", 2, 1_000_000);
        Config fam = t.child("families").raw();
        Config famDefaults = t.child("family-defaults").raw();
        SortedMap<String, FamilyConfig> families = new TreeMap<>();
        for (String name : new TreeSet<>(fam.root().keySet())) {
            ConfigValue v = fam.root().get(name);
            if (!(v.valueType() == com.typesafe.config.ConfigValueType.OBJECT)) {
                throw Settings.invalid(FAMILIES + "." + name, v, "an object of family settings");
            }
            Config merged = fam.getConfig(quote(name)).withFallback(famDefaults);
            FamilyConfig family = buildFamily(name, new Settings(merged, FAMILIES + "." + name));
            int evalSize = Math.min(valSize, testSize);
            if (FamilyConfig.ONE_VS_REST.equals(family.kind())
                    && family.minEvalPositives() >= evalSize) {
                throw Settings.invalid(
                        FAMILIES + "." + name + ".min-eval-positives",
                        family.minEvalPositives(),
                        "less than tasks.val-size = "
                                + valSize
                                + " and tasks.test-size = "
                                + testSize
                                + ", so that validation and test sets also hold a negative");
            }
            families.put(name, family);
        }
        Config mixtureConfig = t.child("mixture").raw();
        SortedMap<String, Double> mixture = new TreeMap<>();
        for (String name : new TreeSet<>(mixtureConfig.root().keySet())) {
            double w = new Settings(mixtureConfig, MIXTURE).doubleIn(quote(name), 0.0, 1e9, false);
            if (!families.containsKey(name)) {
                throw Settings.invalid(
                        MIXTURE + "." + name,
                        w,
                        "a family defined in tasks.families ("
                                + String.join(", ", families.keySet())
                                + ")");
            }
            if (w > 0) {
                mixture.put(name, w);
            }
        }
        if (mixture.isEmpty()) {
            throw Settings.invalid(
                    MIXTURE, mixtureConfig.root(), "at least one family with a weight > 0");
        }
        return new TaskDistributionConfig(mixture, trainSize, valSize, testSize, families);
    }

    private static String quote(String key) {
        return ConfigValueFactory.fromAnyRef(key).render().startsWith("\"") && key.contains(".")
                ? "\"" + key + "\""
                : key;
    }

    private static FamilyConfig buildFamily(String name, Settings f) {
        String kind = f.oneOf("kind", List.of(FamilyConfig.ONE_VS_REST, FamilyConfig.MULTICLASS));
        String metric = f.string("metric");
        if (metric.isBlank()) {
            throw Settings.invalid(
                    FAMILIES + "." + name + ".metric", metric, "a metric id or class name");
        }
        if (metric.contains(".") && !metric.startsWith(Metrics.COMMAND_PREFIX)) {
            // A class the driver can load must be a metric; one it cannot load may live in a jar
            // that only the executors have (spark-submit --jars), and is checked where tasks run.
            Class<?> type = null;
            try {
                type = Class.forName(metric, false, Thread.currentThread().getContextClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                // Not on the driver's classpath.
            }
            if (type != null && !Metric.class.isAssignableFrom(type)) {
                throw Settings.invalid(
                        FAMILIES + "." + name + ".metric",
                        metric,
                        "one of "
                                + String.join(", ", Metrics.builtinIds())
                                + " or the class name of an implementation of "
                                + Metric.class.getName()
                                + " ("
                                + metric
                                + " is not one)");
            }
        }
        if (!metric.contains(".") || metric.startsWith(Metrics.COMMAND_PREFIX)) {
            // A built-in id is checked here, before any work; a class name only where tasks run,
            // since its jar may be on the executors' classpath alone (spark-submit --jars).
            try {
                Metrics.load(metric);
            } catch (MetricOptException e) {
                throw Settings.invalid(
                        FAMILIES + "." + name + ".metric",
                        metric,
                        "one of "
                                + String.join(", ", Metrics.builtinIds())
                                + " or the class name of an "
                                + Metric.class.getName());
            }
        }
        return new FamilyConfig(
                name,
                kind,
                metric,
                f.oneOf("loss", List.of("ce")),
                f.range("positive-fraction", 1e-6, 1.0),
                f.intIn("min-eval-positives", 1, 1_000_000),
                f.range("num-classes", 2, 10),
                f.range("label-noise", 0.0, 1.0),
                f.range("imbalance-ratio", 1.0, 1e6),
                f.range("contrast", 0.0, 10.0),
                f.range("brightness", -1.0, 1.0),
                f.range("noise-std", 0.0, 10.0),
                f.range("rotation-deg", -180.0, 180.0));
    }
}
