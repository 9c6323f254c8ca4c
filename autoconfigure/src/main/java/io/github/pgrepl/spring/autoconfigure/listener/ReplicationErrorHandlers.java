package io.github.pgrepl.spring.autoconfigure.listener;

import io.github.pgrepl.spring.connection.ConnectionSettings;
import io.github.pgrepl.spring.connection.InvalidReplicationPropertyException;
import io.github.pgrepl.spring.connection.ListenerSettings;
import io.github.pgrepl.spring.listener.ReplicationListenerBindingException;
import io.github.pgrepl.spring.listener.ReplicationListenerBindingException.Problem;
import io.github.pgrepl.spring.listener.error.ChangeRecoverer;
import io.github.pgrepl.spring.listener.error.DefaultReplicationErrorHandler;
import io.github.pgrepl.spring.listener.error.ReplicationErrorHandler;

import java.util.Collection;
import java.util.List;
import java.util.Map;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.util.ClassUtils;
import org.springframework.util.backoff.ExponentialBackOff;

/**
 * The {@link ReplicationErrorHandler} of each connection with listener methods: a bean named
 * {@code <name>ReplicationErrorHandler}, else the one other bean of that type, else one built from
 * {@code pgrepl.connections.<name>.listener.*}. Beans are looked up when listeners are bound, once they all exist.
 */
final class ReplicationErrorHandlers {

    static final String BEAN_NAME_SUFFIX = "ReplicationErrorHandler";
    private static final String DEAD_LETTER_CLASSES_MISSING = "needs spring-jdbc and Jackson (tools.jackson.core:"
            + "jackson-databind) on the classpath";

    private final ListableBeanFactory beanFactory;
    private final Collection<String> connectionNames;

    /**
     * @param connectionNames every configured connection, whose {@code <name>ReplicationErrorHandler} beans are theirs
     *     alone
     */
    ReplicationErrorHandlers(ListableBeanFactory beanFactory, Collection<String> connectionNames) {
        this.beanFactory = beanFactory;
        this.connectionNames = List.copyOf(connectionNames);
    }

    ReplicationErrorHandler forConnection(ConnectionSettings settings) {
        Map<String, ReplicationErrorHandler> beans = beanFactory.getBeansOfType(ReplicationErrorHandler.class);
        ReplicationErrorHandler own = beans.get(settings.name() + BEAN_NAME_SUFFIX);
        if (own != null) {
            return own;
        }
        List<String> shared = beans.keySet().stream().filter(name -> !connectionNames.contains(
                name.endsWith(BEAN_NAME_SUFFIX) ? name.substring(0, name.length() - BEAN_NAME_SUFFIX.length()) : name)).toList();
        if (shared.size() == 1) {
            return beans.get(shared.get(0));
        }
        if (shared.size() > 1) {
            throw new ReplicationListenerBindingException(List.of(new Problem("Connection '" + settings.name() + "' could"
                    + " use any of the ReplicationErrorHandler beans " + shared, "Name the one for this connection '"
                    + settings.name() + BEAN_NAME_SUFFIX + "', or keep a single ReplicationErrorHandler bean. An error"
                    + " handler serves a whole connection, not one listener: to treat listeners apart, decide by"
                    + " FailedChange.listener() in one handler, or give them connections (and slots) of their own")));
        }
        return fromProperties(settings);
    }

    /** {@code listener.recoverer} after {@code listener.max-attempts}, waits doubling from retry-backoff to max-backoff. */
    ReplicationErrorHandler fromProperties(ConnectionSettings settings) {
        ListenerSettings listener = settings.listener();
        // At least a millisecond, doubling: a retry that never gives up must not spin.
        ExponentialBackOff backOff = new ExponentialBackOff(Math.max(1, settings.pgOutput().retryBackoff().toMillis()), 2.0);
        backOff.setMaxInterval(listener.maxBackoff().toMillis());
        if (listener.recoverer() == ListenerSettings.Recoverer.RETRY) {
            return new DefaultReplicationErrorHandler(backOff);
        }
        backOff.setMaxAttempts(settings.pgOutput().maxAttempts() - 1); // retries after the first attempt
        DefaultReplicationErrorHandler handler = new DefaultReplicationErrorHandler(backOff, recoverer(settings));
        listener.notRetryableExceptions().forEach(handler::addNotRetryableExceptions);
        return handler;
    }

    private ChangeRecoverer recoverer(ConnectionSettings settings) {
        return switch (settings.listener().recoverer()) {
            case STOP -> ChangeRecoverer.stop();
            case SKIP -> ChangeRecoverer.skip();
            case DEAD_LETTER -> deadLetter(settings);
            case RETRY -> throw new IllegalStateException("retry has no recoverer");
        };
    }

    private ChangeRecoverer deadLetter(ConnectionSettings settings) {
        String property = "pgrepl.connections." + settings.name() + ".listener.recoverer";
        ClassLoader classLoader = beanFactory instanceof ConfigurableBeanFactory configurable
                && configurable.getBeanClassLoader() != null ? configurable.getBeanClassLoader() : getClass().getClassLoader();
        if (!ClassUtils.isPresent("org.springframework.jdbc.core.simple.JdbcClient", classLoader)
                || !ClassUtils.isPresent("tools.jackson.databind.ObjectMapper", classLoader)) {
            throw new InvalidReplicationPropertyException(property, "is dead-letter, which " + DEAD_LETTER_CLASSES_MISSING,
                    "Add spring-boot-starter-jdbc and spring-boot-starter-jackson, or choose another recoverer.");
        }
        return DeadLetters.recoverer(beanFactory, settings.listener().deadLetterTable(), property);
    }
}
