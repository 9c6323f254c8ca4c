package io.github.pgrepl.test;

import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.spring.listener.error.ErrorDecision;
import io.github.pgrepl.spring.listener.error.FailedChange;
import io.github.pgrepl.spring.listener.error.ReplicationErrorHandler;
import io.github.pgrepl.spring.listener.support.ChangeDispatcher;
import io.github.pgrepl.spring.listener.support.ListenerMethod;
import io.github.pgrepl.spring.listener.support.ReplicationListenerEndpoint;
import io.github.pgrepl.spring.listener.support.ReplicationListenerEndpointRegistry;
import io.github.pgrepl.spring.listener.support.ReplicationListenerEndpoints;
import io.github.pgrepl.spring.listener.support.RowBinder;

import java.beans.Introspector;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

import org.springframework.context.ApplicationContext;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.util.ClassUtils;

/**
 * Hands events to {@code @ReplicationListener} methods the way a connection does (same routing, binding and
 * transactions), on the calling thread and without a server: for unit tests of listeners, and for tests of an
 * application context whose connections do not start ({@code pgrepl.connections.<name>.auto-startup=false}).
 *
 * <pre>{@code
 * OrderProjection projection = new OrderProjection();
 * ReplicationListeners.of(projection).deliver(ChangeEvents.insert("public.orders", Map.of("id", 1)));
 * assertThat(projection.orders()).containsKey(1L);
 * }</pre>
 *
 * <p>A listener that throws makes {@link #deliver} throw its exception once every listener had the event, unless an
 * {@link #errorHandler error handler} is given, which then decides as a connection's would (a retry is tried at once).
 */
public final class ReplicationListeners {

    /** Retries an error handler may ask for before the delivery fails: a test must end. */
    private static final int MAX_RETRIES = 100;

    private final List<ReplicationListenerEndpoint> endpoints;
    private final RowBinder binder;
    private final ReplicationErrorHandler errorHandler;
    private final long transactionMaxBytes;

    private ReplicationListeners(List<ReplicationListenerEndpoint> endpoints, RowBinder binder,
                                 ReplicationErrorHandler errorHandler, long transactionMaxBytes) {
        this.endpoints = List.copyOf(endpoints);
        this.binder = binder;
        this.errorHandler = errorHandler;
        this.transactionMaxBytes = transactionMaxBytes;
    }

    /**
     * The listener methods of {@code beans}, whatever their connection; {@code ${...}} placeholders are resolved from
     * system properties and the environment.
     *
     * @throws IllegalArgumentException for a listener method that cannot work, as at an application's startup
     */
    public static ReplicationListeners of(Object... beans) {
        StandardEnvironment environment = new StandardEnvironment();
        List<ReplicationListenerEndpoint> endpoints = new ArrayList<>();
        for (Object bean : beans) {
            String beanName = Introspector.decapitalize(ClassUtils.getUserClass(bean).getSimpleName());
            for (ReplicationListenerEndpoint endpoint : ReplicationListenerEndpoints.of(bean, beanName,
                    environment::resolveRequiredPlaceholders)) {
                if (endpoint.isConnectionListener()) {
                    continue; // a bean of its own (a relay), not a listener method: call its onChange directly
                }
                if (endpoint.isBeanLevel()) {
                    throw new IllegalArgumentException("Bean '" + beanName + "' is a bean-level @ReplicationListener (a"
                            + " ChangeListener or ReplicationHandler): call its onChange directly; ReplicationListeners runs"
                            + " listener methods");
                }
                endpoints.add(endpoint);
            }
        }
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("None of " + Arrays.toString(beans) + " has a @ReplicationListener method");
        }
        return new ReplicationListeners(endpoints, RowBinder.withDefaultConversions(), null, 64L * 1024 * 1024);
    }

    /**
     * The listener methods of connection {@code connection} in {@code context}, bound with the application's
     * conversions. The connection itself is left alone, and so are its connection listeners (a Kafka relay).
     */
    public static ReplicationListeners of(ApplicationContext context, String connection) {
        ReplicationListenerEndpointRegistry registry = context.getBean(ReplicationListenerEndpointRegistry.class);
        List<ReplicationListenerEndpoint> endpoints = registry.getEndpoints(connection).stream()
                .filter(endpoint -> !endpoint.isBeanLevel() && !endpoint.isConnectionListener()).toList();
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("Connection '" + connection + "' has no @ReplicationListener method; listeners:"
                    + " " + registry.getListenerIds());
        }
        return new ReplicationListeners(endpoints, registry.getBinder(), null, 64L * 1024 * 1024);
    }

    /** Only the listeners of connection {@code connection}. */
    public ReplicationListeners connection(String connection) {
        List<ReplicationListenerEndpoint> selected = endpoints.stream()
                .filter(endpoint -> endpoint.connection().equals(connection)).toList();
        if (selected.isEmpty()) {
            throw new IllegalArgumentException("No listener method of connection '" + connection + "'");
        }
        return new ReplicationListeners(selected, binder, errorHandler, transactionMaxBytes);
    }

    /** Decides on failing listeners as a connection's error handler would, instead of {@link #deliver} throwing. */
    public ReplicationListeners errorHandler(ReplicationErrorHandler errorHandler) {
        return new ReplicationListeners(endpoints, binder, Objects.requireNonNull(errorHandler, "errorHandler"),
                transactionMaxBytes);
    }

    /** The bound on a transaction listener's transaction ({@code listener.transaction-max-bytes}); 64 MB by default. */
    public ReplicationListeners transactionMaxBytes(long bytes) {
        return new ReplicationListeners(endpoints, binder, errorHandler, bytes);
    }

    /** Delivers {@code events}; changes without their own {@code Begin} and {@code Commit} make one transaction. */
    public void deliver(ChangeEvent... events) {
        deliver(Arrays.asList(events));
    }

    /**
     * Delivers {@code events} in order, each to every matching listener, and returns when they all returned; changes
     * that do not start with a {@code Begin} are delivered as one transaction.
     */
    public void deliver(List<? extends ChangeEvent> events) {
        List<? extends ChangeEvent> delivered = !events.isEmpty() && events.get(0) instanceof ChangeEvent.Begin ? events
                : ChangeEvents.transaction(events);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        ReplicationErrorHandler decide = failed -> {
            if (errorHandler == null) {
                failure.compareAndSet(null, rethrown(failed));
                return ErrorDecision.skip();
            }
            ErrorDecision decision = errorHandler.handle(failed);
            if (decision == ErrorDecision.stop() || decision instanceof ErrorDecision.Retry && failed.attempts() >= MAX_RETRIES) {
                // A test cannot restart a connection, nor wait for ever: the delivery fails instead.
                failure.compareAndSet(null, new IllegalStateException("The error handler " + (decision == ErrorDecision.stop()
                        ? "stopped the connection" : "kept retrying (" + failed.attempts() + " times)") + " on "
                        + failed.describe() + " for listener '" + failed.listener() + "'", failed.error()));
                return ErrorDecision.skip();
            }
            // A test does not wait for a retry.
            return decision instanceof ErrorDecision.Retry ? ErrorDecision.retryAfter(Duration.ZERO) : decision;
        };
        ChangeDispatcher dispatcher = new ChangeDispatcher("test", endpoints.stream().map(ListenerMethod::of).toList(),
                binder, decide, transactionMaxBytes, Clock.systemUTC());
        for (ChangeEvent event : delivered) {
            try {
                dispatcher.onChange(event);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while delivering " + event, e);
            }
            Throwable failed = failure.get();
            if (failed instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (failed instanceof Error error) {
                throw error;
            }
        }
    }

    /** The listener's own exception where it is unchecked (or an Error); else one that has it as its cause. */
    private static Throwable rethrown(FailedChange failed) {
        if (failed.error() instanceof RuntimeException || failed.error() instanceof Error) {
            return failed.error();
        }
        return new IllegalStateException("Listener '" + failed.listener() + "' failed on " + failed.describe(), failed.error());
    }

    @Override
    public String toString() {
        return "ReplicationListeners" + endpoints.stream().map(ReplicationListenerEndpoint::id).toList();
    }
}
