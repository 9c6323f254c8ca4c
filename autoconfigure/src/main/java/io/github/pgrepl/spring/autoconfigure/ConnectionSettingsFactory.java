package io.github.pgrepl.spring.autoconfigure;

import io.github.pgrepl.ChannelBinding;
import io.github.pgrepl.ConnectionConfig;
import io.github.pgrepl.SslMode;
import io.github.pgrepl.spring.connection.ConnectionSettings;
import io.github.pgrepl.spring.connection.InvalidReplicationPropertyException;
import io.github.pgrepl.spring.connection.ListenerSettings;
import io.github.pgrepl.spring.connection.PgOutputSettings;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Turns {@code pgrepl.connections.<name>.*} into checked {@link ConnectionSettings}: resolves where each connection
 * connects (a service connection, its own URL, else {@code spring.datasource.*}) and rejects values that cannot work
 * with an {@link InvalidReplicationPropertyException} naming the property and the fix. Never puts a password in a
 * message.
 */
final class ConnectionSettingsFactory {

    private static final Pattern SLOT_NAME = Pattern.compile("[a-z0-9_]{1,63}");
    private static final Pattern DEAD_LETTER_TABLE = Pattern.compile("([a-z_][a-z0-9_]{0,62}\\.)?[a-z_][a-z0-9_]{0,62}");
    private static final String URL_FORM = "postgresql://host:5432/database or jdbc:postgresql://host:5432/database";

    private final ReplicationConnectionDetails serviceConnection;
    private final DataSourceFallback dataSource;
    private final Duration shutdownPhaseTimeout;

    /**
     * @param serviceConnection where every connection connects, when a {@code @ServiceConnection} says so; or {@code null}
     * @param dataSource the fallback for a connection without URL
     * @param shutdownPhaseTimeout {@code spring.lifecycle.timeout-per-shutdown-phase}: closing must fit in it
     */
    ConnectionSettingsFactory(ReplicationConnectionDetails serviceConnection, DataSourceFallback dataSource,
                                     Duration shutdownPhaseTimeout) {
        this.serviceConnection = serviceConnection;
        this.dataSource = dataSource;
        this.shutdownPhaseTimeout = shutdownPhaseTimeout;
    }

    List<ConnectionSettings> create(PgReplProperties properties) {
        List<ConnectionSettings> settings = new ArrayList<>();
        for (Map.Entry<String, PgReplProperties.Connection> entry : properties.connections().entrySet()) {
            settings.add(create(entry.getKey(), entry.getValue()));
        }
        return settings;
    }

    ConnectionSettings create(String name, PgReplProperties.Connection connection) {
        Properties property = new Properties("pgrepl.connections." + name + ".");
        return new ConnectionSettings(name, connectionConfig(name, connection, property),
                pgOutputSettings(name, connection, property), listenerSettings(connection.listener(), property),
                connection.autoStartup());
    }

    private ConnectionConfig connectionConfig(String name, PgReplProperties.Connection connection, Properties property) {
        Target target = target(connection, property);
        ConnectionConfig.Builder builder;
        try {
            builder = ConnectionConfig.fromUrl(target.url());
        } catch (IllegalArgumentException e) {
            throw new InvalidReplicationPropertyException(target.urlProperty(), e.getMessage(), "Use the form " + URL_FORM + ".");
        }
        builder.name(name).syncConnect(false).autoReconnect(true);
        if (target.username() != null) {
            apply(property.name("username"), target.username(), builder::user, "Set it to a role with the REPLICATION attribute.");
        }
        if (target.password() != null) {
            builder.password(target.password());
        }
        if (connection.applicationName() != null) {
            builder.applicationName(connection.applicationName());
        }
        PgReplProperties.Ssl ssl = connection.ssl();
        if (ssl.mode() != null) {
            apply(property.name("ssl.mode"), ssl.mode(), value -> builder.sslMode(SslMode.parse(value)),
                    "Use one of disable, allow, prefer, require, verify-ca, verify-full.");
        }
        if (ssl.channelBinding() != null) {
            apply(property.name("ssl.channel-binding"), ssl.channelBinding(),
                    value -> builder.channelBinding(ChannelBinding.parse(value)), "Use one of disable, prefer, require.");
        }
        if (ssl.requireAuth() != null) {
            apply(property.name("ssl.require-auth"), ssl.requireAuth(), builder::requireAuth,
                    "List the methods the server may ask for (password, md5, scram-sha-256, none), or those it may not,"
                            + " each after a '!', e.g. !password,!md5.");
        }
        if (ssl.rootCert() != null) {
            builder.sslRootCert(ConnectionConfig.SSL_ROOT_CERT_SYSTEM.toString().equals(ssl.rootCert())
                    ? ConnectionConfig.SSL_ROOT_CERT_SYSTEM : readableFile(property.name("ssl.root-cert"), ssl.rootCert()));
        }
        if (ssl.cert() != null) {
            builder.sslCert(readableFile(property.name("ssl.cert"), ssl.cert()));
        }
        if (ssl.key() != null) {
            builder.sslKey(readableFile(property.name("ssl.key"), ssl.key()));
        }
        if (connection.connectTimeout() != null) {
            builder.connectTimeout(positive(property.name("connect-timeout"), connection.connectTimeout()));
        }
        if (connection.silenceTimeout() != null) {
            if (connection.silenceTimeout().isNegative()) {
                throw negative(property.name("silence-timeout"), connection.silenceTimeout());
            }
            builder.silenceTimeout(connection.silenceTimeout());
        }
        Duration minReadInterval = connection.minReadInterval();
        if (minReadInterval.isNegative() || minReadInterval.compareTo(Duration.ofSeconds(1)) > 0) {
            throw new InvalidReplicationPropertyException(property.name("min-read-interval"), "is " + minReadInterval
                    + ", outside 0 to 1s", "Use 0 to read as soon as bytes arrive, or a few milliseconds (default 1ms).");
        }
        builder.minReadInterval(minReadInterval);
        Duration minBackoff = positive(property.name("reconnect.min-backoff"), connection.reconnect().minBackoff());
        Duration maxBackoff = positive(property.name("reconnect.max-backoff"), connection.reconnect().maxBackoff());
        if (maxBackoff.compareTo(minBackoff) < 0) {
            throw new InvalidReplicationPropertyException(property.name("reconnect.max-backoff"), "is " + maxBackoff
                    + ", below reconnect.min-backoff (" + minBackoff + ")", "Set it to at least " + minBackoff + ".");
        }
        builder.reconnectBackoff(minBackoff, maxBackoff);
        try {
            return builder.build();
        } catch (IllegalArgumentException e) {
            if (e.getMessage().startsWith("user is required")) {
                throw new InvalidReplicationPropertyException(property.name("username"), "is not set, and " + target.urlProperty()
                        + " names no user", "Set " + property.name("username") + " to a role with the REPLICATION attribute.");
            }
            // Settings that conflict: sslrootcert=system with a weaker mode, channel binding that require-auth forbids.
            throw new InvalidReplicationPropertyException(property.name("ssl"), e.getMessage(), "Make " + property.name("ssl.*")
                    + " and the URL's sslmode, sslrootcert, channel_binding and require_auth agree.");
        }
    }

    /** Where a connection connects: a service connection wins, then its own URL, then spring.datasource.*. */
    private Target target(PgReplProperties.Connection connection, Properties property) {
        if (serviceConnection != null) {
            return new Target(serviceConnection.getUrl(), "the @ServiceConnection's URL", serviceConnection.getUsername(),
                    serviceConnection.getPassword());
        }
        if (connection.url() != null) {
            return new Target(requireText(property.name("url"), connection.url(), "Set it to " + URL_FORM + "."),
                    property.name("url"), connection.username(), connection.password());
        }
        if (dataSource.url() != null) {
            return new Target(dataSource.url(), "spring.datasource.url (the default of " + property.name("url") + ")",
                    firstNonNull(connection.username(), dataSource.username()),
                    firstNonNull(connection.password(), dataSource.password()));
        }
        throw new InvalidReplicationPropertyException(property.name("url"), "is not set, and there is no spring.datasource.url"
                + " to fall back on", "Set " + property.name("url") + " to " + URL_FORM + ".");
    }

    private record Target(String url, String urlProperty, String username, String password) {
    }

    private PgOutputSettings pgOutputSettings(String name, PgReplProperties.Connection connection, Properties property) {
        String slot = connection.slot() != null ? connection.slot() : defaultSlot(name);
        if (!SLOT_NAME.matcher(slot).matches()) {
            throw new InvalidReplicationPropertyException(property.name("slot"), (slot.isEmpty() ? "is empty" : "'" + slot
                    + "' is not a valid replication slot name") + (connection.slot() == null ? " (the default, from the"
                    + " connection's name)" : ""), "Set " + property.name("slot") + " to 1 to 63 lowercase letters, digits"
                    + " and underscores, e.g. " + defaultSlot(name) + ".");
        }
        connection.publications().forEach(publication ->
                requireText(property.name("publications"), publication, "Remove the empty entry or name a publication."));
        connection.publicationTables().forEach(table ->
                requireText(property.name("publication-tables"), table, "Remove the empty entry or name a table."));
        if (connection.statusInterval() != null) {
            positive(property.name("status-interval"), connection.statusInterval());
        }
        PgReplProperties.Listener listener = connection.listener();
        atLeast(property.name("max-messages"), connection.maxMessages(), 1);
        atLeast(property.name("listener.queue-capacity"), listener.queueCapacity(), 2);
        atLeast(property.name("listener.queue-max-size"), listener.queueMaxSize().toBytes(), 1024);
        atLeast(property.name("listener.max-attempts"), listener.maxAttempts(), 1);
        if (listener.retryBackoff().isNegative()) {
            throw negative(property.name("listener.retry-backoff"), listener.retryBackoff());
        }
        Duration closeTimeout = positive(property.name("listener.close-timeout"), listener.closeTimeout());
        return new PgOutputSettings(slot, connection.publications(), connection.createSlot(), connection.temporarySlot(),
                connection.createPublication(), connection.publicationTables(), connection.binary(), connection.messages(),
                connection.streaming(), connection.statusInterval(), connection.maxMessages(), listener.queueCapacity(),
                listener.queueMaxSize().toBytes(), listener.maxAttempts(), listener.retryBackoff(),
                fitInShutdownPhase(closeTimeout));
    }

    private static ListenerSettings listenerSettings(PgReplProperties.Listener listener, Properties property) {
        Duration maxBackoff = positive(property.name("listener.max-backoff"), listener.maxBackoff());
        if (maxBackoff.compareTo(listener.retryBackoff()) < 0) {
            throw new InvalidReplicationPropertyException(property.name("listener.max-backoff"), "is " + maxBackoff
                    + ", below listener.retry-backoff (" + listener.retryBackoff() + ")", "Set it to at least "
                    + listener.retryBackoff() + ".");
        }
        String table = listener.deadLetterTable();
        if (table == null || !DEAD_LETTER_TABLE.matcher(table).matches()) {
            throw new InvalidReplicationPropertyException(property.name("listener.dead-letter-table"), "'" + table
                    + "' is not a table name pgrepl accepts", "Use table or schema.table, lowercase letters, digits and"
                    + " underscores, e.g. pgrepl_dead_letter.");
        }
        atLeast(property.name("listener.transaction-max-bytes"), listener.transactionMaxBytes().toBytes(), 1024);
        return new ListenerSettings(listener.recoverer(), maxBackoff, table, listener.transactionMaxBytes().toBytes());
    }

    /** {@code pgrepl_<name>}, made a valid slot name. */
    static String defaultSlot(String name) {
        String slot = ("pgrepl_" + name).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        return slot.length() > 63 ? slot.substring(0, 63) : slot;
    }

    /** At most half the shutdown phase, so that the final status update and the socket close fit in it too. */
    private Duration fitInShutdownPhase(Duration closeTimeout) {
        Duration half = shutdownPhaseTimeout.dividedBy(2);
        return closeTimeout.compareTo(half) > 0 && !half.isZero() ? half : closeTimeout;
    }

    private static void apply(String property, String value, Consumer<String> setter, String action) {
        try {
            setter.accept(value);
        } catch (IllegalArgumentException e) {
            throw new InvalidReplicationPropertyException(property, e.getMessage(), action);
        }
    }

    private static Path readableFile(String property, String file) {
        try {
            Path path = Path.of(file);
            if (Files.isReadable(path) && !Files.isDirectory(path)) {
                return path;
            }
        } catch (InvalidPathException e) {
            // reported below
        }
        throw new InvalidReplicationPropertyException(property, "'" + file + "' is not a readable file",
                "Point " + property + " at a PEM file this application can read.");
    }

    private static Duration positive(String property, Duration value) {
        if (value.isNegative()) {
            throw negative(property, value);
        }
        if (value.isZero()) {
            throw new InvalidReplicationPropertyException(property, "is zero", "Set it to a positive duration, e.g. 10s.");
        }
        return value;
    }

    private static InvalidReplicationPropertyException negative(String property, Duration value) {
        return new InvalidReplicationPropertyException(property, "is negative (" + value + ")",
                "Set it to a positive duration, e.g. 10s.");
    }

    private static void atLeast(String property, long value, long minimum) {
        if (value < minimum) {
            throw new InvalidReplicationPropertyException(property, "is " + value + ", below the minimum of " + minimum,
                    "Set it to " + minimum + " or more.");
        }
    }

    private static String requireText(String property, String value, String action) {
        if (value == null || value.isBlank()) {
            throw new InvalidReplicationPropertyException(property, "is empty", action);
        }
        return value;
    }

    private static <T> T firstNonNull(T first, T second) {
        return first != null ? first : second;
    }

    /** Full property names of one connection. */
    private record Properties(String prefix) {
        String name(String relative) {
            return prefix + relative;
        }
    }
}
