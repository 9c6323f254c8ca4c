package io.github.pgrepl.spring.autoconfigure;

import io.github.pgrepl.ChannelBinding;
import io.github.pgrepl.SslMode;
import io.github.pgrepl.pgoutput.SnapshotMode;
import io.github.pgrepl.spring.connection.ConnectionAvailability;
import io.github.pgrepl.spring.connection.ListenerSettings.Recoverer;
import io.github.pgrepl.spring.listener.error.DeadLetterRecoverer;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.ConfigurationPropertiesSource;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.Errors;
import org.springframework.validation.Validator;

/**
 * Replication connections, one per entry under pgrepl.connections; the entry's name names the
 * connection, its bean (<name>ReplicationConnection) and the @ReplicationListener that consumes it.
 *
 * <p>Checked by the binder once bound (it is a {@link Validator}): a value that cannot work fails startup with the
 * property, where it was set, and the fix, never with a password.
 *
 * @param connections The replication connections, by name.
 */
@ConfigurationProperties("pgrepl")
public record PgReplProperties(Map<String, Connection> connections) implements Validator {

    public PgReplProperties {
        // Insertion order, so that connections start, report and stop in the order they were configured.
        connections = connections == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(connections));
    }

    @Override
    public boolean supports(Class<?> type) {
        return PgReplProperties.class.isAssignableFrom(type);
    }

    /** Rejects the values that cannot work, each with the fix (see {@link PropertiesValidation}). */
    @Override
    public void validate(Object target, Errors errors) {
        PropertiesValidation.validate((PgReplProperties) target, errors);
    }

    /**
     * One replication connection. Where it connects: a ReplicationConnectionDetails bean qualified with its name, else
     * these properties, else the one unqualified ReplicationConnectionDetails bean (a Testcontainers @ServiceConnection,
     * a Docker Compose service), else Spring Boot's JdbcConnectionDetails (spring.datasource.*).
     *
     * @param url Server to connect to: postgresql://host:5432/db or jdbc:postgresql://host:5432/db, or a host list
     *     postgresql://db1:5432,db2:5432/db; by default a service connection's (Testcontainers, Docker Compose), else
     *     the application's database (JdbcConnectionDetails, e.g. spring.datasource.url).
     * @param username Login role, which needs the REPLICATION attribute; by default the URL's user, else the service
     *     connection's or the application database's (also when url is set).
     * @param password Password of the role; by default the URL's, else the service connection's or the application
     *     database's when the role is theirs.
     * @param slot Logical replication slot to stream: 1 to 63 lowercase letters, digits and underscores; by default
     *     pgrepl_<name>.
     * @param publications Publications to stream; required when the listener is a ChangeListener.
     * @param createSlot Whether to create the slot when it does not exist.
     * @param temporarySlot Whether to use a temporary slot, created on each connect and dropped with the session
     *     (changes made while disconnected are lost).
     * @param createPublication Whether to create missing publications, for publication-tables.
     * @param publicationTables Tables of a created publication (schema.table or table); empty means
     *     all tables.
     * @param binary Whether to ask pgoutput for values in binary rather than text.
     * @param messages Whether to deliver pg_logical_emit_message messages.
     * @param streaming Whether large in-progress transactions are streamed rather than spilled by the server; by
     *     default on for a bean-level ChangeListener, off for @ReplicationListener methods that take committed changes
     *     (which cannot be streamed).
     * @param applicationName The application_name of the session; by default the URL's, else pgrepl.
     * @param connectTimeout Bound on one connection attempt (TCP, TLS and authentication); by default the URL's
     *     connect_timeout, else 10 seconds.
     * @param statusInterval How often the standby status update is sent; by default a third of the server's
     *     wal_sender_timeout, at most 10 seconds.
     * @param silenceTimeout How long a running stream may stay silent (no data, no keepalive) before the connection is
     *     presumed dead (half-open) and replaced; by default twice the server's wal_sender_timeout, 0 turns it off.
     *     Not checked while paused.
     * @param minReadInterval The least time between two socket reads of a running stream: what arrives in between is
     *     read together, which saves CPU and wake-ups on a busy stream at the cost of up to this much latency; 0 reads
     *     as soon as bytes arrive. At most 1 second.
     * @param maxMessages Stream messages handled in one turn before timers and calls get theirs.
     * @param autoStartup Whether the connection starts with the application context; when false, start it with
     *     ReplicationConnectionRegistry.start(name).
     * @param availability What a connection that stopped for good (the stop recoverer, or a fatal error) does to the
     *     application's availability: readiness (refuse traffic until it is restarted), liveness (broken: the
     *     platform restarts the application) or none.
     * @param ssl TLS settings.
     * @param reconnect Reconnection after the connection is lost.
     * @param listener How changes are handed to the listeners, and what becomes of a change a listener fails on.
     * @param failover Whether the slot is a failover slot (PostgreSQL 17+): created with FAILOVER, or an existing one
     *     altered, so that standbys with sync_replication_slots keep a copy and the stream resumes on a promoted standby.
     *     The primary's synchronized_standby_slots is checked at start; refused before PostgreSQL 17.
     * @param snapshot Snapshots: the initial one (when pgrepl creates the slot) and how incremental ones read.
     */
    @ConfigurationPropertiesSource // descriptions and defaults of every key of a connection, in the generated metadata
    public record Connection(String url, String username, String password, String slot, List<String> publications,
                             @DefaultValue("false") boolean createSlot, @DefaultValue("false") boolean temporarySlot,
                             @DefaultValue("false") boolean createPublication, List<String> publicationTables,
                             @DefaultValue("false") boolean binary, @DefaultValue("false") boolean messages,
                             Boolean streaming, String applicationName, Duration connectTimeout,
                             Duration statusInterval, Duration silenceTimeout, @DefaultValue("1ms") Duration minReadInterval,
                             @DefaultValue("500") int maxMessages,
                             @DefaultValue("true") boolean autoStartup,
                             @DefaultValue("none") ConnectionAvailability availability, @DefaultValue Ssl ssl,
                             @DefaultValue Reconnect reconnect, @DefaultValue Listener listener,
                             @DefaultValue("false") boolean failover, @DefaultValue Snapshot snapshot) {

        public Connection {
            publications = publications == null ? List.of() : List.copyOf(publications);
            publicationTables = publicationTables == null ? List.of() : List.copyOf(publicationTables);
        }

        /** Never shows the password. */
        @Override
        public String toString() {
            return "Connection[url=" + (url == null ? null : "<set>") + ", username=" + username + ", password="
                    + (password == null ? "<none>" : "<hidden>") + ", slot=" + slot + ", publications=" + publications + "]";
        }
    }

    /**
     * Snapshots: the rows that existed before the slot (initial), and any table again on demand (incremental, through
     * POST /actuator/pgrepl/{name}/snapshot or PgOutputHandler.snapshot).
     *
     * @param mode The initial snapshot: never, initial (when pgrepl creates the slot, every row of the snapshot's tables
     *     reaches the listeners as a READ change, then the stream starts at the slot's consistent point) or initial-only
     *     (the snapshot, then the connection stops). A slot that exists streams from its position without one.
     * @param tables Tables of the initial snapshot (schema.table or table, each in a publication); empty means every
     *     table of the publications.
     * @param parallelism Sessions that read the initial snapshot's tables in parallel, one table each at a time.
     * @param chunkSize Rows per chunk of an incremental snapshot: one chunk is held in memory between its watermarks.
     * @param newTables How often to look for tables added to the publications and take an incremental snapshot of each
     *     new one; 0 does not look.
     */
    public record Snapshot(@DefaultValue("never") SnapshotMode mode, List<String> tables,
                           @DefaultValue("2") int parallelism, @DefaultValue("4096") int chunkSize,
                           @DefaultValue("0s") Duration newTables) {

        public Snapshot {
            tables = tables == null ? List.of() : List.copyOf(tables);
        }
    }

    /**
     * TLS, with libpq's meanings.
     *
     * @param mode One of disable, allow, prefer, require, verify-ca or verify-full; by default the URL's sslmode, else
     *     prefer.
     * @param rootCert PEM file of the certificates trusted for verify-ca and verify-full, or "system" for the JVM's
     *     trust store (then the mode must be verify-full, its default); by default the URL's sslrootcert, else
     *     ~/.postgresql/root.crt as libpq does.
     * @param cert PEM client certificate, for certificate authentication.
     * @param key PEM (PKCS#8) private key of cert.
     * @param bundle Name of a Spring Boot SSL bundle (spring.ssl.bundle.pem.* or jks.*) whose trust material checks
     *     the server (for verify-ca and verify-full, and require) and whose key material, if any, is the client
     *     certificate; instead of root-cert, cert and key. Rotated certificates are taken at the next connect when the
     *     bundle reloads on update.
     * @param channelBinding SCRAM channel binding: disable, prefer or require; by default the URL's channel_binding,
     *     else prefer.
     * @param requireAuth Authentication methods the server may ask for (password, md5, scram-sha-256, none),
     *     comma-separated, or those it may not, each after a "!"; a method not allowed is refused before any secret is
     *     sent. By default the URL's require_auth, else any.
     */
    public record Ssl(SslMode mode, String rootCert, String cert, String key, String bundle, ChannelBinding channelBinding,
                      String requireAuth) {
    }

    /**
     * Reconnection: delays grow exponentially, with jitter, from the minimum to the maximum.
     *
     * @param minBackoff Delay before the first reconnection attempt.
     * @param maxBackoff Longest delay between attempts.
     */
    public record Reconnect(@DefaultValue("1s") Duration minBackoff, @DefaultValue("30s") Duration maxBackoff) {
    }

    /**
     * The listeners of a connection: the queue between the stream and them (when either bound is reached the connection
     * stops reading, and TCP backpressure holds the server, until the listeners catch up), and what becomes of a change
     * a listener keeps failing on.
     *
     * @param queueCapacity Most events waiting for the listeners.
     * @param queueMaxSize Most bytes of events waiting for the listeners.
     * @param maxAttempts Times a change is tried when a listener throws before the recoverer takes it (for a bean-level
     *     ChangeListener: before the connection stops).
     * @param retryBackoff Wait before the second attempt, doubling for each further one.
     * @param maxBackoff Longest wait between two attempts, where the retry recoverer keeps retrying.
     * @param recoverer What becomes of a change a @ReplicationListener method still fails on after max-attempts: retry
     *     (keep retrying at max-backoff, health DOWN meanwhile: nothing is lost, nothing halts for good), stop (the
     *     connection stops until restarted through the endpoint), skip (logged, counted, lost) or dead-letter (written
     *     to dead-letter-table with its error, then confirmed).
     * @param deadLetterTable The table of the dead-letter recoverer (table or schema.table), created on first use in the
     *     database of the application's DataSource.
     * @param notRetryableExceptions Exceptions (class names) retrying cannot fix, e.g. a business refusal: a change a
     *     @ReplicationListener method fails on with one of them (or caused by one) goes to the stop, skip or
     *     dead-letter recoverer at its first failure, without retries and without health DOWN meanwhile.
     * @param transactionMaxBytes Most bytes of rows a transaction listener's transaction may hold in memory; a larger
     *     one fails that listener with a TransactionTooLargeException instead.
     * @param closeTimeout How long shutdown waits for the listener to finish the event in hand and the queued rest of
     *     its transaction, which is then confirmed; never longer than half of spring.lifecycle.timeout-per-shutdown-phase.
     */
    public record Listener(@DefaultValue("10000") int queueCapacity, @DefaultValue("64MB") DataSize queueMaxSize,
                           @DefaultValue("3") int maxAttempts, @DefaultValue("1s") Duration retryBackoff,
                           @DefaultValue("30s") Duration maxBackoff, @DefaultValue("retry") Recoverer recoverer,
                           @DefaultValue(DeadLetterRecoverer.DEFAULT_TABLE) String deadLetterTable,
                           @DefaultValue List<Class<? extends Throwable>> notRetryableExceptions,
                           @DefaultValue("64MB") DataSize transactionMaxBytes, @DefaultValue("10s") Duration closeTimeout) {
    }
}
