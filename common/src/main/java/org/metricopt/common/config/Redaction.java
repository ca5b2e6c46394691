package org.metricopt.common.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Keeps credentials out of everything a run writes or prints: {@code run.json}, checkpoints'
 * fingerprints, reports, logs and error messages. A value is secret when its key looks like a
 * credential (the same idea as Spark's {@code spark.redaction.regex}, widened to Hadoop's and S3A's
 * key names), or when it is the password part of a URI's user info ({@code
 * s3a://user:pass@bucket}).
 */
public final class Redaction {
    /** What a secret is replaced with. */
    public static final String MASK = "*********(redacted)";

    private static final Pattern SENSITIVE_KEY =
            Pattern.compile(
                    "(?i)secret|password|passwd|token|credential|signature"
                            + "|access[._-]?key|session[._-]?key|private[._-]?key|api[._-]?key");

    /** scheme://user:password@ — the password is group 2. */
    private static final Pattern URI_PASSWORD =
            Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*://[^/@:\\s]*):([^/@\\s]+)@");

    private Redaction() {}

    /** Whether a configuration or Hadoop key names a credential. */
    public static boolean isSensitiveKey(String key) {
        return key != null && SENSITIVE_KEY.matcher(key).find();
    }

    /** The text with the passwords of any URIs in it masked. */
    public static String maskUriPasswords(String text) {
        return text == null ? null : URI_PASSWORD.matcher(text).replaceAll("$1:" + MASK + "@");
    }

    /** What may be shown of {@code value} set under {@code key}. */
    public static String value(String key, String value) {
        return isSensitiveKey(key) ? MASK : maskUriPasswords(value);
    }

    /**
     * A command-line argument as it may be shown: the value of {@code key=value} (a {@code --set})
     * is masked when the key is sensitive, and URI passwords are masked everywhere.
     */
    public static String argument(String arg) {
        int eq = arg.indexOf('=');
        if (eq > 0 && isSensitiveKey(arg.substring(0, eq))) {
            return arg.substring(0, eq + 1) + MASK;
        }
        return maskUriPasswords(arg);
    }

    /** The configuration with every sensitive leaf masked (for run.json and fingerprints). */
    public static Config config(Config c) {
        Config out = c;
        for (Map.Entry<String, ConfigValue> e : c.entrySet()) {
            ConfigValue v = e.getValue();
            if (isSensitiveKey(e.getKey())) {
                out = out.withValue(e.getKey(), ConfigValueFactory.fromAnyRef(MASK));
            } else if (v.valueType() == ConfigValueType.STRING) {
                String s = (String) v.unwrapped();
                String masked = maskUriPasswords(s);
                if (!masked.equals(s)) {
                    out = out.withValue(e.getKey(), ConfigValueFactory.fromAnyRef(masked));
                }
            }
        }
        return out;
    }
}
