package io.github.pgrepl.spring.connection;

import io.github.pgrepl.ReplicationHandler;
import io.github.pgrepl.pgoutput.ChangeListener;
import io.github.pgrepl.spring.listener.ReplicationListenerBindingException;
import io.github.pgrepl.spring.listener.ReplicationListenerBindingException.Problem;
import io.github.pgrepl.spring.listener.ReplicationListenerEndpoint;
import io.github.pgrepl.spring.listener.ReplicationListenerRegistrar;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.SmartLifecycle;

/**
 * Owns every configured replication connection: binds each to its {@code @ReplicationListener}, connects them when
 * the application context has started (late), and closes them gracefully when it stops (early), so that the last
 * processed position is confirmed before the socket closes.
 */
public class ReplicationConnectionRegistry implements ReplicationListenerRegistrar, SmartLifecycle, DisposableBean {

    /** Late start, early stop; leaves room above for lifecycles that must start after the connections. */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 100;

    private final Map<String, ManagedReplicationConnection> connections;
    private volatile boolean running;

    public ReplicationConnectionRegistry(List<ConnectionSettings> settings) {
        this(settings, Clock.systemUTC());
    }

    public ReplicationConnectionRegistry(List<ConnectionSettings> settings, Clock clock) {
        Map<String, ManagedReplicationConnection> byName = new LinkedHashMap<>();
        try {
            for (ConnectionSettings each : settings) {
                byName.put(each.name(), new ManagedReplicationConnection(each, clock));
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

    @Override
    public void registerListeners(List<ReplicationListenerEndpoint> endpoints) {
        List<Problem> problems = new ArrayList<>();
        Map<String, List<ReplicationListenerEndpoint>> byConnection = endpoints.stream()
                .collect(Collectors.groupingBy(ReplicationListenerEndpoint::connection, LinkedHashMap::new, Collectors.toList()));
        byConnection.forEach((name, listeners) -> {
            if (!connections.containsKey(name)) {
                problems.add(unknownConnection(name, listeners));
            }
        });
        for (String name : connections.keySet()) {
            List<ReplicationListenerEndpoint> listeners = byConnection.getOrDefault(name, List.of());
            if (listeners.isEmpty()) {
                problems.add(noListener(name));
            } else if (listeners.size() > 1) {
                problems.add(severalListeners(name, listeners));
            }
        }
        for (ReplicationListenerEndpoint endpoint : endpoints) {
            if (!(endpoint.bean() instanceof ReplicationHandler) && !(endpoint.bean() instanceof ChangeListener)) {
                problems.add(wrongType(endpoint));
            }
        }
        if (!problems.isEmpty()) {
            throw new ReplicationListenerBindingException(problems);
        }
        for (ReplicationListenerEndpoint endpoint : endpoints) {
            connections.get(endpoint.connection()).bind(endpoint);
        }
    }

    private Problem unknownConnection(String name, List<ReplicationListenerEndpoint> listeners) {
        return new Problem(beans(listeners) + " @ReplicationListener(\"" + name + "\") but no connection '" + name
                + "' is configured (configured: " + connections.keySet() + ")",
                "Configure it with pgrepl.connections." + name + ".* properties, or name one of the configured connections"
                        + " in @ReplicationListener");
    }

    private static Problem noListener(String name) {
        return new Problem("Connection '" + name + "' (pgrepl.connections." + name + ") has no @ReplicationListener bean",
                "Annotate one bean implementing ChangeListener or ReplicationHandler with @ReplicationListener(\"" + name
                        + "\"), or remove the pgrepl.connections." + name + ".* properties");
    }

    private static Problem severalListeners(String name, List<ReplicationListenerEndpoint> listeners) {
        return new Problem("Connection '" + name + "' has " + listeners.size() + " @ReplicationListener beans: "
                + beanNames(listeners) + "; a connection has exactly one",
                "Keep @ReplicationListener(\"" + name + "\") on one bean; give each other bean a connection of its own"
                        + " (pgrepl.connections.<other-name>.*, with its own slot)");
    }

    private static Problem wrongType(ReplicationListenerEndpoint endpoint) {
        return new Problem("Bean '" + endpoint.beanName() + "' (" + endpoint.bean().getClass().getName()
                + ") is a @ReplicationListener(\"" + endpoint.connection() + "\") but implements neither ChangeListener"
                + " nor ReplicationHandler",
                "Implement io.github.pgrepl.pgoutput.ChangeListener (decoded changes) or io.github.pgrepl.ReplicationHandler"
                        + " (the raw protocol) in bean '" + endpoint.beanName() + "'");
    }

    private static String beans(List<ReplicationListenerEndpoint> listeners) {
        return (listeners.size() == 1 ? "Bean " : "Beans ") + beanNames(listeners) + (listeners.size() == 1 ? " is a" : " are");
    }

    private static String beanNames(List<ReplicationListenerEndpoint> listeners) {
        return listeners.stream().map(listener -> "'" + listener.beanName() + "'").collect(Collectors.joining(", "));
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
