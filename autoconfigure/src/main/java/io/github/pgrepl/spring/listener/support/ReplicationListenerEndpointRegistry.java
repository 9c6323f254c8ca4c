package io.github.pgrepl.spring.listener.support;

import io.github.pgrepl.ReplicationHandler;
import io.github.pgrepl.pgoutput.ChangeListener;
import io.github.pgrepl.spring.connection.ConnectionSettings;
import io.github.pgrepl.spring.connection.InvalidReplicationPropertyException;
import io.github.pgrepl.spring.connection.ListenerSettings;
import io.github.pgrepl.spring.connection.ManagedReplicationConnection;
import io.github.pgrepl.spring.connection.ReplicationConnectionRegistry;
import io.github.pgrepl.spring.listener.ReplicationListenerBindingException;
import io.github.pgrepl.spring.listener.ReplicationListenerBindingException.Problem;
import io.github.pgrepl.spring.listener.error.ReplicationErrorHandler;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The application's {@code @ReplicationListener}s, by id and by connection, in the spirit of Spring Kafka's
 * {@code KafkaListenerEndpointRegistry}: it checks that listeners and connections pair up, then binds each connection
 * to its listeners: a bean-level {@code ReplicationHandler} or {@code ChangeListener} as before, or a
 * {@link ChangeDispatcher} over its listener methods with the connection's {@link ReplicationErrorHandler}. The
 * connections themselves (start, stop, restart) are the {@link ReplicationConnectionRegistry}'s.
 */
public class ReplicationListenerEndpointRegistry implements ReplicationListenerRegistrar {

    private final ReplicationConnectionRegistry connections;
    private final RowBinder binder;
    private final Function<ConnectionSettings, ReplicationErrorHandler> errorHandlers;
    private final Clock clock;
    private volatile Map<String, ReplicationListenerEndpoint> endpoints = Map.of();
    private volatile Map<String, ChangeDispatcher> dispatchers = Map.of();

    /**
     * @param binder binds rows to the listener methods' types
     * @param errorHandlers the error handler of each connection with listener methods
     */
    public ReplicationListenerEndpointRegistry(ReplicationConnectionRegistry connections, RowBinder binder,
                                               Function<ConnectionSettings, ReplicationErrorHandler> errorHandlers, Clock clock) {
        this.connections = connections;
        this.binder = binder;
        this.errorHandlers = errorHandlers;
        this.clock = clock;
    }

    /** Every listener, in the order found. */
    public Collection<ReplicationListenerEndpoint> getEndpoints() {
        return endpoints.values();
    }

    /** The ids of every listener. */
    public Collection<String> getListenerIds() {
        return endpoints.keySet();
    }

    /**
     * The listener of id {@code id}.
     *
     * @throws NoSuchElementException naming the known ids when there is none
     */
    public ReplicationListenerEndpoint getEndpoint(String id) {
        ReplicationListenerEndpoint endpoint = endpoints.get(id);
        if (endpoint == null) {
            throw new NoSuchElementException("No @ReplicationListener with id '" + id + "'; known: " + endpoints.keySet());
        }
        return endpoint;
    }

    /** The listeners of connection {@code connection}. */
    public List<ReplicationListenerEndpoint> getEndpoints(String connection) {
        return endpoints.values().stream().filter(endpoint -> endpoint.connection().equals(connection)).toList();
    }

    /** The dispatcher of a connection's listener methods; empty for a connection with a bean-level listener. */
    public Optional<ChangeDispatcher> getDispatcher(String connection) {
        return Optional.ofNullable(dispatchers.get(connection));
    }

    /** The binder the listener methods' rows go through. */
    public RowBinder getBinder() {
        return binder;
    }

    @Override
    public void registerListeners(List<ReplicationListenerEndpoint> found) {
        Map<String, List<ReplicationListenerEndpoint>> byConnection = found.stream()
                .collect(Collectors.groupingBy(ReplicationListenerEndpoint::connection, LinkedHashMap::new, Collectors.toList()));
        List<Problem> problems = new ArrayList<>();
        Map<String, ReplicationListenerEndpoint> byId = new LinkedHashMap<>();
        for (ReplicationListenerEndpoint endpoint : found) {
            ReplicationListenerEndpoint other = byId.putIfAbsent(endpoint.id(), endpoint);
            if (other != null) {
                problems.add(new Problem("Two listeners have the id '" + endpoint.id() + "': " + describe(other) + " and "
                        + describe(endpoint), "Give one of them another id: @ReplicationListener(id = \"...\")"));
            }
        }
        Collection<String> configured = connections.connections().stream().map(ManagedReplicationConnection::name).toList();
        byConnection.forEach((name, listeners) -> {
            if (!configured.contains(name)) {
                problems.add(unknownConnection(name, listeners, configured));
            }
        });
        for (String name : configured) {
            List<ReplicationListenerEndpoint> listeners = byConnection.getOrDefault(name, List.of());
            List<ReplicationListenerEndpoint> beans = listeners.stream().filter(ReplicationListenerEndpoint::isBeanLevel).toList();
            if (listeners.isEmpty()) {
                problems.add(noListener(name));
            } else if (!beans.isEmpty() && listeners.size() > 1) {
                problems.add(sharedBeanLevelListener(name, beans, listeners));
            }
        }
        for (ReplicationListenerEndpoint endpoint : found) {
            if (endpoint.isBeanLevel() && !(endpoint.bean() instanceof ReplicationHandler)
                    && !(endpoint.bean() instanceof ChangeListener)) {
                problems.add(wrongType(endpoint));
            }
        }
        if (!problems.isEmpty()) {
            throw new ReplicationListenerBindingException(problems);
        }
        Map<String, ChangeDispatcher> bound = new LinkedHashMap<>();
        byConnection.forEach((name, listeners) -> {
            ChangeDispatcher dispatcher = bind(connections.connection(name), listeners);
            if (dispatcher != null) {
                bound.put(name, dispatcher);
            }
        });
        this.endpoints = Collections.unmodifiableMap(byId);
        this.dispatchers = Collections.unmodifiableMap(bound);
    }

    private ChangeDispatcher bind(ManagedReplicationConnection connection, List<ReplicationListenerEndpoint> listeners) {
        ReplicationListenerEndpoint first = listeners.get(0);
        if (first.isBeanLevel()) {
            if (first.bean() instanceof ReplicationHandler handler) {
                connection.bindHandler(handler, first.beanName());
            } else {
                ListenerSettings.Recoverer recoverer = connection.settings().listener().recoverer();
                if (recoverer != ListenerSettings.Recoverer.RETRY) {
                    String property = "pgrepl.connections." + connection.name() + ".listener.recoverer";
                    throw new InvalidReplicationPropertyException(property, "is " + recoverer + ", which applies to"
                            + " @ReplicationListener methods, but the listener, bean '" + first.beanName() + "', is a"
                            + " ChangeListener: it is retried listener.max-attempts times, then the connection stops",
                            "Remove " + property + ", or move the listener to a method: @ReplicationListener(connection = \""
                                    + connection.name() + "\") void on(ChangeEvent event)");
                }
                connection.bindChangeListener((ChangeListener) first.bean(), first.beanName());
            }
            return null;
        }
        List<ListenerMethod> methods = listeners.stream().map(ListenerMethod::of).toList();
        ConnectionSettings settings = connection.settings();
        ChangeDispatcher dispatcher = new ChangeDispatcher(connection.name(), methods, binder, errorHandlers.apply(settings),
                settings.listener().transactionMaxBytes(), clock);
        dispatcher.setActivity(connection.listenerActivity());
        dispatcher.setStreamControl(new ChangeDispatcher.StreamControl() {
            @Override
            public void stop(String reason) {
                connection.stopStreaming(reason);
            }

            @Override
            public void resume() {
                connection.resumeStreaming();
            }
        });
        connection.bindListenerMethods(dispatcher, dispatcher, listeners.stream().map(ReplicationListenerEndpoint::id)
                .collect(Collectors.joining(", ")), dispatcher.onlyRawEvents(), listeners.stream()
                .flatMap(listener -> listener.tables().stream()).distinct().toList());
        return dispatcher;
    }

    private static String describe(ReplicationListenerEndpoint endpoint) {
        return endpoint.isBeanLevel() ? "bean '" + endpoint.beanName() + "'"
                : "method " + ListenerMethod.describe(endpoint.method()) + " of bean '" + endpoint.beanName() + "'";
    }

    private static Problem unknownConnection(String name, List<ReplicationListenerEndpoint> listeners,
                                             Collection<String> configured) {
        String who = listeners.stream().map(ReplicationListenerEndpointRegistry::describe).collect(Collectors.joining(", "));
        return new Problem(capitalized(who) + (listeners.size() == 1 ? " is a" : " are") + " @ReplicationListener(\"" + name
                + "\") but no connection '" + name + "' is configured (configured: " + configured + ")",
                "Configure it with pgrepl.connections." + name + ".* properties, or name one of the configured connections"
                        + " in @ReplicationListener");
    }

    private static Problem noListener(String name) {
        return new Problem("Connection '" + name + "' (pgrepl.connections." + name + ") has no @ReplicationListener",
                "Annotate a method with @ReplicationListener(connection = \"" + name + "\") (or a bean implementing"
                        + " ChangeListener or ReplicationHandler with @ReplicationListener(\"" + name + "\")), or remove the"
                        + " pgrepl.connections." + name + ".* properties");
    }

    private static Problem sharedBeanLevelListener(String name, List<ReplicationListenerEndpoint> beans,
                                                   List<ReplicationListenerEndpoint> listeners) {
        return new Problem("Connection '" + name + "' has " + listeners.size() + " @ReplicationListeners: "
                + listeners.stream().map(ReplicationListenerEndpointRegistry::describe).collect(Collectors.joining(", "))
                + "; a bean annotated on its type (" + beans.stream().map(ReplicationListenerEndpointRegistry::describe)
                .collect(Collectors.joining(", ")) + ") is its connection's only consumer",
                "Move the bean's listener to a method, @ReplicationListener(connection = \"" + name + "\") void on(ChangeEvent"
                        + " event), so that it shares the connection; or give each bean a connection of its own"
                        + " (pgrepl.connections.<other-name>.*, with its own slot)");
    }

    private static Problem wrongType(ReplicationListenerEndpoint endpoint) {
        return new Problem("Bean '" + endpoint.beanName() + "' (" + endpoint.bean().getClass().getName()
                + ") is a @ReplicationListener(\"" + endpoint.connection() + "\") but implements neither ChangeListener"
                + " nor ReplicationHandler",
                "Implement io.github.pgrepl.pgoutput.ChangeListener (decoded changes) or io.github.pgrepl.ReplicationHandler"
                        + " (the raw protocol) in bean '" + endpoint.beanName() + "', or annotate its methods instead");
    }

    private static String capitalized(String text) {
        return Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }
}
