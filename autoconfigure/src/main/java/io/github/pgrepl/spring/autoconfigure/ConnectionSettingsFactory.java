package io.github.pgrepl.spring.autoconfigure;

import io.github.pgrepl.ConnectionConfig;
import io.github.pgrepl.pgoutput.PgOutputHandler;
import io.github.pgrepl.pgoutput.SnapshotOptions;
import io.github.pgrepl.spring.connection.ConnectionSettings;
import io.github.pgrepl.spring.connection.InvalidReplicationPropertyException;
import io.github.pgrepl.spring.connection.ListenerSettings;
import io.github.pgrepl.spring.connection.PgOutputSettings;
import io.netty.channel.EventLoopGroup;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadFactory;
import java.util.function.Function;

import org.springframework.boot.ssl.SslBundles;

/**
 * Turns the bound (and already checked, see {@link PropertiesValidation}) {@code pgrepl.connections.<name>.*} into
 * {@link ConnectionSettings}: resolves where each connection connects ({@link ConnectionTargets}) and what the
 * properties leave to the URL, and rejects what only shows once resolved (a URL that does not parse, no user, settings
 * that conflict) with an {@link InvalidReplicationPropertyException} naming the property and the fix. Never puts a
 * password in a message.
 */
final class ConnectionSettingsFactory {

    private static final String URL_FORM = "postgresql://host:5432/database or jdbc:postgresql://host:5432/database";

    /**
     * What the application adds to the properties.
     *
     * @param sslBundles Spring Boot's SSL bundles, or {@code null}
     * @param connectionCustomizers called for each connection's settings, in order
     * @param handlerCustomizers called for each connection's {@code PgOutputHandler}, in order
     * @param eventLoopGroup the group every connection runs on, or {@code null} for one of its own each
     * @param listenerThreads the factory of each connection's listener thread, by connection name; {@code null} for the
     *     core's platform thread
     */
    record Collaborators(SslBundles sslBundles, List<ReplicationConnectionCustomizer> connectionCustomizers,
                         List<PgOutputHandlerCustomizer> handlerCustomizers, EventLoopGroup eventLoopGroup,
                         Function<String, ThreadFactory> listenerThreads) {

        static final Collaborators NONE = new Collaborators(null, List.of(), List.of(), null, name -> null);
    }

    private final ConnectionTargets targets;
    private final Duration shutdownPhaseTimeout;
    private final Collaborators collaborators;

    /**
     * @param targets where each connection connects
     * @param shutdownPhaseTimeout {@code spring.lifecycle.timeout-per-shutdown-phase}: closing must fit in it
     */
    ConnectionSettingsFactory(ConnectionTargets targets, Duration shutdownPhaseTimeout, Collaborators collaborators) {
        this.targets = targets;
        this.shutdownPhaseTimeout = shutdownPhaseTimeout;
        this.collaborators = collaborators;
    }

    List<ConnectionSettings> create(PgReplProperties properties) {
        List<ConnectionSettings> settings = new ArrayList<>();
        for (Map.Entry<String, PgReplProperties.Connection> entry : properties.connections().entrySet()) {
            settings.add(create(entry.getKey(), entry.getValue()));
        }
        return settings;
    }

    ConnectionSettings create(String name, PgReplProperties.Connection connection) {
        return new ConnectionSettings(name, connectionConfig(name, connection), pgOutputSettings(name, connection),
                listenerSettings(connection.listener()), connection.autoStartup(), connection.availability());
    }

    private ConnectionConfig connectionConfig(String name, PgReplProperties.Connection connection) {
        ConnectionTargets.Target target = targets.target(name, connection);
        ConnectionConfig.Builder builder;
        try {
            builder = ConnectionConfig.fromUrl(target.url());
        } catch (IllegalArgumentException e) {
            // The description says what is wrong and what it may be (an sslmode, a parameter); the form is the rest.
            throw new InvalidReplicationPropertyException(target.source(), e.getMessage(),
                    "Correct what the description names; the URL's form is " + URL_FORM + "?parameter=value.");
        }
        builder.name(name).syncConnect(false).autoReconnect(true);
        if (target.username() != null) {
            builder.user(target.username());
        }
        if (target.password() != null) {
            builder.password(target.password());
        }
        if (connection.applicationName() != null) {
            builder.applicationName(connection.applicationName());
        }
        PgReplProperties.Ssl ssl = connection.ssl();
        if (ssl.mode() != null) {
            builder.sslMode(ssl.mode());
        }
        if (ssl.channelBinding() != null) {
            builder.channelBinding(ssl.channelBinding());
        }
        if (ssl.requireAuth() != null) {
            String property = PropertiesValidation.property(name, "ssl.require-auth");
            try {
                builder.requireAuth(ssl.requireAuth());
            } catch (IllegalArgumentException e) {
                throw new InvalidReplicationPropertyException(property, e.getMessage(), "List the methods the server may"
                        + " ask for (password, md5, scram-sha-256, none), or those it may not, each after a '!', e.g."
                        + " !password,!md5.");
            }
        }
        if (ssl.rootCert() != null) {
            builder.sslRootCert(ConnectionConfig.SSL_ROOT_CERT_SYSTEM.toString().equals(ssl.rootCert())
                    ? ConnectionConfig.SSL_ROOT_CERT_SYSTEM : Path.of(ssl.rootCert()));
        }
        if (ssl.cert() != null) {
            builder.sslCert(Path.of(ssl.cert()));
        }
        if (ssl.key() != null) {
            builder.sslKey(Path.of(ssl.key()));
        }
        if (ssl.bundle() != null) {
            SslBundleManagers bundle = SslBundleManagers.of(collaborators.sslBundles(), ssl.bundle(), name,
                    PropertiesValidation.property(name, "ssl.bundle"));
            builder.sslTrustManagerFactory(bundle.trustManagerFactory()).sslKeyManagerFactory(bundle.keyManagerFactory());
        }
        if (connection.connectTimeout() != null) {
            builder.connectTimeout(connection.connectTimeout());
        }
        if (connection.silenceTimeout() != null) {
            builder.silenceTimeout(connection.silenceTimeout());
        }
        builder.minReadInterval(connection.minReadInterval());
        builder.reconnectBackoff(connection.reconnect().minBackoff(), connection.reconnect().maxBackoff());
        if (collaborators.eventLoopGroup() != null) {
            builder.eventLoopGroup(collaborators.eventLoopGroup());
        }
        for (ReplicationConnectionCustomizer customizer : collaborators.connectionCustomizers()) {
            customizer.customize(name, builder);
        }
        builder.name(name).syncConnect(false).autoReconnect(true); // the registry's, whatever a customizer did
        try {
            return builder.build();
        } catch (IllegalArgumentException e) {
            if (e.getMessage().startsWith("user is required")) {
                String property = PropertiesValidation.property(name, "username");
                throw new InvalidReplicationPropertyException(property, "is not set, and " + target.source()
                        + " names no user", "Set " + property + " to a role with the REPLICATION attribute.");
            }
            // Settings that conflict: sslrootcert=system with a weaker mode, channel binding that require-auth forbids.
            throw new InvalidReplicationPropertyException(PropertiesValidation.property(name, "ssl"), e.getMessage(),
                    "Make " + PropertiesValidation.property(name, "ssl.*") + " and the URL's sslmode, sslrootcert,"
                            + " channel_binding and require_auth agree.");
        }
    }

    private PgOutputSettings pgOutputSettings(String name, PgReplProperties.Connection connection) {
        String slot = connection.slot() != null ? connection.slot() : PropertiesValidation.defaultSlot(name);
        PgReplProperties.Listener listener = connection.listener();
        return new PgOutputSettings(slot, connection.publications(), connection.createSlot(), connection.temporarySlot(),
                connection.createPublication(), connection.publicationTables(), connection.binary(), connection.messages(),
                connection.streaming(), connection.statusInterval(), connection.maxMessages(), listener.queueCapacity(),
                listener.queueMaxSize().toBytes(), listener.maxAttempts(), listener.retryBackoff(),
                fitInShutdownPhase(listener.closeTimeout()), connection.failover(), snapshotOptions(connection.snapshot()),
                handler -> customize(name, handler));
    }

    /** Values {@link PropertiesValidation} checked against the core's ranges already. */
    private static SnapshotOptions snapshotOptions(PgReplProperties.Snapshot snapshot) {
        return SnapshotOptions.defaults().mode(snapshot.mode()).tables(snapshot.tables())
                .parallelism(snapshot.parallelism()).chunkSize(snapshot.chunkSize())
                .newTablesInterval(snapshot.newTables());
    }

    private void customize(String name, PgOutputHandler.Builder handler) {
        ThreadFactory threads = collaborators.listenerThreads().apply(name);
        if (threads != null) {
            handler.threadFactory(threads);
        }
        for (PgOutputHandlerCustomizer customizer : collaborators.handlerCustomizers()) {
            customizer.customize(name, handler);
        }
    }

    private static ListenerSettings listenerSettings(PgReplProperties.Listener listener) {
        return new ListenerSettings(listener.recoverer(), listener.maxBackoff(), listener.deadLetterTable(),
                listener.transactionMaxBytes().toBytes(), listener.notRetryableExceptions());
    }

    /** At most half the shutdown phase, so that the final status update and the socket close fit in it too. */
    private Duration fitInShutdownPhase(Duration closeTimeout) {
        Duration half = shutdownPhaseTimeout.dividedBy(2);
        return closeTimeout.compareTo(half) > 0 && !half.isZero() ? half : closeTimeout;
    }
}
