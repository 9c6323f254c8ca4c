package io.github.pgrepl.spring.autoconfigure;

import io.github.pgrepl.ConnectionConfig;
import io.github.pgrepl.internal.util.Durations;
import io.github.pgrepl.pgoutput.SnapshotMode;
import io.github.pgrepl.pgoutput.SnapshotOptions;
import io.github.pgrepl.spring.connection.ListenerSettings.Recoverer;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import org.springframework.util.unit.DataSize;
import org.springframework.validation.Errors;
import org.springframework.validation.FieldError;

/**
 * The rules of {@code pgrepl.connections.*} that the binder checks once the properties are bound (types and enum
 * values it checked already while binding). Each rejected value carries the fix as its only argument, under
 * {@link #CODE}, for {@link InvalidPropertiesFailureAnalyzer}. Never rejects the URL, the user name or the password:
 * Spring prints a rejected value, and those may hold a secret; they are checked when the connection is resolved.
 */
final class PropertiesValidation {

    /** The error code of a value pgrepl rejects; its one argument is the fix. */
    static final String CODE = "pgrepl.invalid";

    private static final Pattern SLOT_NAME = Pattern.compile("[a-z0-9_]{1,63}");
    private static final Pattern TABLE_NAME = Pattern.compile("([a-z_][a-z0-9_]{0,62}\\.)?[a-z_][a-z0-9_]{0,62}");
    private static final Duration MAX_READ_INTERVAL = Duration.ofSeconds(1);
    private static final DataSize MIN_BYTES = DataSize.ofKilobytes(1);

    private final Errors errors;
    private final String name;

    private PropertiesValidation(Errors errors, String name) {
        this.errors = errors;
        this.name = name;
    }

    static void validate(PgReplProperties properties, Errors errors) {
        for (Map.Entry<String, PgReplProperties.Connection> entry : properties.connections().entrySet()) {
            new PropertiesValidation(errors, entry.getKey()).connection(entry.getValue());
        }
    }

    /** {@code pgrepl_<name>}, made a valid slot name: the default slot of connection {@code name}. */
    static String defaultSlot(String name) {
        String slot = ("pgrepl_" + name).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        return slot.length() > 63 ? slot.substring(0, 63) : slot;
    }

    /** The full name of property {@code relative} of connection {@code name}, as users write it. */
    static String property(String name, String relative) {
        return "pgrepl.connections." + name + "." + relative;
    }

    /** The property a field error of these properties is about, as users write it. */
    static String property(FieldError error) {
        String field = error.getField(); // connections[<name>].<relative>, as rejected below
        int close = field.indexOf("].");
        if (field.startsWith("connections[") && close > 0) {
            return property(field.substring("connections[".length(), close), field.substring(close + 2));
        }
        return error.getObjectName() + "." + field;
    }

    private void connection(PgReplProperties.Connection connection) {
        if (connection.slot() != null && !SLOT_NAME.matcher(connection.slot()).matches()) {
            reject("slot", connection.slot().isEmpty() ? "is empty"
                    : "'" + connection.slot() + "' is not a valid replication slot name", "Set " + property(name, "slot")
                    + " to 1 to 63 lowercase letters, digits and underscores, e.g. " + defaultSlot(name) + ".");
        }
        noEmptyEntry("publications", connection.publications(), "Remove the empty entry or name a publication.");
        noEmptyEntry("publication-tables", connection.publicationTables(), "Remove the empty entry or name a table.");
        if (connection.connectTimeout() != null) {
            positive("connect-timeout", connection.connectTimeout());
        }
        if (connection.statusInterval() != null) {
            positive("status-interval", connection.statusInterval());
        }
        if (connection.silenceTimeout() != null) {
            notNegative("silence-timeout", connection.silenceTimeout());
        }
        Duration minReadInterval = connection.minReadInterval();
        if (minReadInterval.isNegative() || minReadInterval.compareTo(MAX_READ_INTERVAL) > 0) {
            reject("min-read-interval", "is " + Durations.text(minReadInterval) + ", outside 0 to 1s",
                    "Use 0 to read as soon as bytes arrive, or a few milliseconds (default 1ms).");
        }
        atLeast("max-messages", connection.maxMessages(), 1);
        if (connection.failover() && connection.temporarySlot()) {
            reject("failover", "is true, but temporary-slot is true too: a temporary slot ends with its session, so no"
                    + " standby can take it over", "Set " + property(name, "failover") + " or " + property(name, "temporary-slot")
                    + " to false.");
        }
        ordered("reconnect.min-backoff", connection.reconnect().minBackoff(), "reconnect.max-backoff",
                connection.reconnect().maxBackoff(), true);
        snapshot(connection);
        listener(connection.listener());
        ssl(connection.ssl());
    }

    /** The ranges are the core's ({@link SnapshotOptions}); its messages are the problems. */
    private void snapshot(PgReplProperties.Connection connection) {
        PgReplProperties.Snapshot snapshot = connection.snapshot();
        noEmptyEntry("snapshot.tables", snapshot.tables(), "Remove the empty entry or name a table.");
        coreRule("snapshot.parallelism", () -> SnapshotOptions.defaults().parallelism(snapshot.parallelism()),
                "Set it to 1 to 64.");
        coreRule("snapshot.chunk-size", () -> SnapshotOptions.defaults().chunkSize(snapshot.chunkSize()),
                "Set it to 1 to 1000000.");
        coreRule("snapshot.new-tables", () -> SnapshotOptions.defaults().newTablesInterval(snapshot.newTables()),
                "Set it to 0 (off) or a duration of at least 100ms, e.g. 1m.");
        if (snapshot.mode() != SnapshotMode.NEVER && !connection.createSlot() && !connection.temporarySlot()) {
            reject("snapshot.mode", "is " + snapshot.mode().name().toLowerCase(Locale.ROOT).replace('_', '-')
                    + ", but create-slot is false: the initial snapshot is taken when pgrepl creates the slot", "Set "
                    + property(name, "create-slot") + " to true, or take an incremental snapshot (POST"
                    + " /actuator/pgrepl/" + name + "/snapshot).");
        }
    }

    private void coreRule(String property, Runnable check, String action) {
        try {
            check.run();
        } catch (IllegalArgumentException e) {
            reject(property, e.getMessage(), action);
        }
    }

    private void listener(PgReplProperties.Listener listener) {
        atLeast("listener.queue-capacity", listener.queueCapacity(), 2);
        atLeast("listener.queue-max-size", listener.queueMaxSize(), MIN_BYTES);
        atLeast("listener.max-attempts", listener.maxAttempts(), 1);
        ordered("listener.retry-backoff", listener.retryBackoff(), "listener.max-backoff", listener.maxBackoff(), false);
        String table = listener.deadLetterTable();
        if (table == null || !TABLE_NAME.matcher(table).matches()) {
            reject("listener.dead-letter-table", "'" + table + "' is not a table name pgrepl accepts", "Use table or"
                    + " schema.table, lowercase letters, digits and underscores, e.g. pgrepl_dead_letter.");
        }
        notRetryable(listener);
        atLeast("listener.transaction-max-bytes", listener.transactionMaxBytes(), MIN_BYTES);
        positive("listener.close-timeout", listener.closeTimeout());
    }

    private void notRetryable(PgReplProperties.Listener listener) {
        for (Class<?> type : listener.notRetryableExceptions()) {
            if (type == null || !Throwable.class.isAssignableFrom(type)) {
                reject("listener.not-retryable-exceptions", "names " + (type == null ? "an empty entry"
                        : type.getName() + ", which is not an exception"), "List exception classes only, e.g."
                        + " com.example.CustomerBlockedException.");
                return;
            }
        }
        if (!listener.notRetryableExceptions().isEmpty() && listener.recoverer() == Recoverer.RETRY) {
            // Nothing to hand them to: they would be retried for ever like any other error, which the setting denies.
            reject("listener.not-retryable-exceptions", "is set, but listener.recoverer is retry, which never gives a"
                    + " change up", "Choose listener.recoverer dead-letter, skip or stop for these exceptions, or remove"
                    + " the setting.");
        }
    }

    private void ssl(PgReplProperties.Ssl ssl) {
        if (ssl.rootCert() != null && !ConnectionConfig.SSL_ROOT_CERT_SYSTEM.toString().equals(ssl.rootCert())) {
            readableFile("ssl.root-cert", ssl.rootCert());
        }
        if (ssl.cert() != null) {
            readableFile("ssl.cert", ssl.cert());
            if (ssl.key() == null) {
                reject("ssl.cert", "is set, but ssl.key is not", "Set " + property(name, "ssl.key")
                        + " to the PEM (PKCS#8) private key of the certificate.");
            }
        }
        if (ssl.key() != null) {
            readableFile("ssl.key", ssl.key());
            if (ssl.cert() == null) {
                reject("ssl.key", "is set, but ssl.cert is not", "Set " + property(name, "ssl.cert")
                        + " to the PEM client certificate of the key.");
            }
        }
        if (ssl.bundle() != null) {
            if (ssl.bundle().isBlank()) {
                reject("ssl.bundle", "is empty", "Name an SSL bundle of spring.ssl.bundle.*, or remove the property.");
            } else if (ssl.rootCert() != null || ssl.cert() != null || ssl.key() != null) {
                reject("ssl.bundle", "is set, and so are ssl.root-cert, ssl.cert or ssl.key: the bundle holds the"
                        + " certificates", "Keep either " + property(name, "ssl.bundle") + " or the PEM files.");
            }
        }
    }

    private void noEmptyEntry(String property, List<String> values, String action) {
        if (values.stream().anyMatch(value -> value == null || value.isBlank())) {
            reject(property, "has an empty entry", action);
        }
    }

    /** Both positive, {@code low} at most {@code high}; {@code low} may be zero unless {@code lowPositive}. */
    private void ordered(String lowProperty, Duration low, String highProperty, Duration high, boolean lowPositive) {
        boolean lowValid = lowPositive ? positive(lowProperty, low) : notNegative(lowProperty, low);
        if (positive(highProperty, high) && lowValid && high.compareTo(low) < 0) {
            reject(highProperty, "is " + Durations.text(high) + ", below " + lowProperty + " (" + Durations.text(low) + ")",
                    "Set it to at least " + Durations.text(low) + ".");
        }
    }

    private boolean positive(String property, Duration value) {
        if (!notNegative(property, value)) {
            return false;
        }
        if (value.isZero()) {
            reject(property, "is zero", "Set it to a positive duration, e.g. 10s.");
            return false;
        }
        return true;
    }

    private boolean notNegative(String property, Duration value) {
        if (value.isNegative()) {
            reject(property, "is negative (" + Durations.text(value) + ")", "Set it to a positive duration, e.g. 10s.");
            return false;
        }
        return true;
    }

    private void atLeast(String property, long value, long minimum) {
        if (value < minimum) {
            reject(property, "is " + value + ", below the minimum of " + minimum, "Set it to " + minimum + " or more.");
        }
    }

    private void atLeast(String property, DataSize value, DataSize minimum) {
        if (value.compareTo(minimum) < 0) {
            reject(property, "is " + value + ", below the minimum of " + minimum, "Set it to " + minimum + " or more.");
        }
    }

    private void readableFile(String property, String file) {
        try {
            Path path = Path.of(file);
            if (Files.isReadable(path) && !Files.isDirectory(path)) {
                return;
            }
        } catch (InvalidPathException e) {
            // reported below
        }
        reject(property, "'" + file + "' is not a readable file", "Point " + property(name, property)
                + " at a PEM file this application can read.");
    }

    private void reject(String relative, String problem, String action) {
        errors.rejectValue("connections[" + name + "]." + relative, CODE, new Object[] { action }, problem);
    }
}
