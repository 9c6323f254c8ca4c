package io.github.pgrepl.spring.listener.support;

import io.github.pgrepl.pgoutput.ChangeListener;
import io.github.pgrepl.spring.listener.ConnectionListener;
import io.github.pgrepl.spring.listener.Operation;

import java.lang.reflect.Method;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One listener found with {@code @ReplicationListener}, placeholders resolved: a method of a bean, or (for an annotated
 * type) the bean itself; or a {@link ConnectionListener} bean, whose method is its {@code onChange}.
 *
 * @param id the listener's id, unique in the application
 * @param connection the connection it subscribes to
 * @param beanName the bean's name
 * @param bean the bean
 * @param method the annotated method; {@code null} for a bean-level listener (a {@code ReplicationHandler} or a
 *     {@code ChangeListener}, checked when it is bound)
 * @param tables the tables it receives, {@code schema.table} or {@code table}; empty for all
 * @param operations the operations it receives; empty for all
 */
public record ReplicationListenerEndpoint(String id, String connection, String beanName, Object bean, Method method,
                                          List<String> tables, Set<Operation> operations) {

    public ReplicationListenerEndpoint {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(bean, "bean");
        tables = List.copyOf(tables);
        operations = Set.copyOf(operations);
    }

    /** A listener on a bean's type rather than on a method. */
    public boolean isBeanLevel() {
        return method == null;
    }

    /** A {@link ConnectionListener} bean, called through its {@code onChange}. */
    public boolean isConnectionListener() {
        return method != null && method.getDeclaringClass() == ChangeListener.class && bean instanceof ConnectionListener;
    }

    @Override
    public String toString() {
        return "'" + id + "'" + (method == null ? " (bean '" + beanName + "')" : "");
    }
}
