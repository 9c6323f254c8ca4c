package io.github.pgrepl.spring.listener;

/**
 * A bean found with {@link ReplicationListener}, for the connection it names.
 *
 * @param connection the connection named in the annotation
 * @param beanName the bean's name, for messages
 * @param bean the bean: a {@code ReplicationHandler} or a {@code ChangeListener} (checked when it is bound)
 */
public record ReplicationListenerEndpoint(String connection, String beanName, Object bean) {
}
