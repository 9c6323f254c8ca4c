package io.github.pgrepl.spring.connection;

import io.micrometer.observation.ObservationRegistry;

import java.time.Clock;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.SmartLifecycle;

/**
 * Owns every configured replication connection: connects them when the application context has started (late), once
 * the listener registry has bound each to its listeners, and closes them gracefully when it stops (early), so that the
 * last processed position is confirmed before the socket closes.
 */
public class ReplicationConnectionRegistry implements SmartLifecycle, DisposableBean {

    /** Late start, early stop; leaves room above for lifecycles that must start after the connections. */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 100;

    private final Map<String, ManagedReplicationConnection> connections;
    private volatile boolean running;

    public ReplicationConnectionRegistry(List<ConnectionSettings> settings) {
        this(settings, Clock.systemUTC());
    }

    public ReplicationConnectionRegistry(List<ConnectionSettings> settings, Clock clock) {
        this(settings, clock, ObservationRegistry.NOOP);
    }

    /**
     * @param observations where the listeners' calls and transactions are observed
     */
    public ReplicationConnectionRegistry(List<ConnectionSettings> settings, Clock clock, ObservationRegistry observations) {
        Map<String, ManagedReplicationConnection> byName = new LinkedHashMap<>();
        try {
            for (ConnectionSettings each : settings) {
                byName.put(each.name(), new ManagedReplicationConnection(each, clock, observations));
            }
        } catch (RuntimeException e) {
            byName.values().forEach(ManagedReplicationConnection::close); // release the threads already created
            throw e;
        }
        this.connections = Collections.unmodifiableMap(byName);
    }

    /** Every connection, in configuration order. */
    public Collection<ManagedReplicationConnection> connections() {
        return connections.values();
    }

    /**
     * The connection named {@code name}.
     *
     * @throws NoSuchElementException naming the configured connections when there is none of that name
     */
    public ManagedReplicationConnection connection(String name) {
        ManagedReplicationConnection connection = connections.get(name);
        if (connection == null) {
            throw new NoSuchElementException("No replication connection '" + name + "'; configured: " + connections.keySet());
        }
        return connection;
    }

    /** Starts a connection with {@code auto-startup=false}; does nothing when it has started already. */
    public void start(String name) {
        connection(name).start();
    }

    /**
     * Starts connection {@code name} if it has not started, or tries its failing listener's change again now,
     * restarting a stream that the listeners' error handler stopped (see {@link ManagedReplicationConnection#restart()}).
     *
     * @throws NoSuchElementException when there is no connection of that name
     * @throws IllegalStateException when the connection is closed for good
     */
    public void restart(String name) {
        connection(name).restart();
    }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public void start() {
        for (ManagedReplicationConnection connection : connections.values()) {
            if (connection.settings().autoStartup()) {
                connection.start();
            }
        }
        running = true;
    }

    /** Closes every connection in parallel, each confirming what its listener processed, then tells Spring. */
    @Override
    public void stop(Runnable callback) {
        running = false;
        CompletableFuture<?>[] closing = connections.values().stream()
                .map(connection -> CompletableFuture.runAsync(connection::close,
                        task -> new Thread(task, "pgrepl-stop-" + connection.name()).start()))
                .toArray(CompletableFuture[]::new);
        CompletableFuture.allOf(closing).whenComplete((done, failure) -> callback.run());
    }

    @Override
    public void stop() {
        running = false;
        connections.values().forEach(ManagedReplicationConnection::close);
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    /** Releases connections that never started, or were not stopped (a context that failed to refresh). */
    @Override
    public void destroy() {
        connections.values().forEach(ManagedReplicationConnection::close);
    }
}
