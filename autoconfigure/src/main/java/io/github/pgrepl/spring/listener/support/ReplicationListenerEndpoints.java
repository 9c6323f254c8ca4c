package io.github.pgrepl.spring.listener.support;

import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.pgoutput.ChangeListener;
import io.github.pgrepl.spring.listener.ConnectionListener;
import io.github.pgrepl.spring.listener.Operation;
import io.github.pgrepl.spring.listener.ReplicationListener;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.springframework.aop.support.AopUtils;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.util.StringUtils;
import org.springframework.util.StringValueResolver;

/**
 * Finds the {@link ReplicationListener}s of a bean, on its type and its methods, and turns them into
 * {@link ReplicationListenerEndpoint}s with their placeholders resolved. Shared by the post-processor, the lazy
 * initialization filter and pgrepl-test.
 */
public final class ReplicationListenerEndpoints {

    /** What a {@link ConnectionListener} is called through. */
    private static final Method ON_CHANGE;

    static {
        try {
            ON_CHANGE = ChangeListener.class.getMethod("onChange", ChangeEvent.class);
        } catch (NoSuchMethodException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private ReplicationListenerEndpoints() {
    }

    /** Whether {@code type} has {@code @ReplicationListener} on itself or on a method, or is a {@link ConnectionListener}. */
    public static boolean hasListeners(Class<?> type) {
        if (ConnectionListener.class.isAssignableFrom(type)) {
            return true;
        }
        if (!AnnotationUtils.isCandidateClass(type, ReplicationListener.class)) {
            return false;
        }
        return AnnotatedElementUtils.hasAnnotation(type, ReplicationListener.class) || !listenerMethods(type).isEmpty();
    }

    /**
     * The listeners of {@code bean}: the bean itself when it is a {@link ConnectionListener} or its type is annotated,
     * and each annotated method.
     *
     * @param placeholders resolves {@code ${...}} in the attributes
     * @throws IllegalArgumentException for an annotation that cannot work, naming the bean and the fix
     */
    public static List<ReplicationListenerEndpoint> of(Object bean, String beanName, StringValueResolver placeholders) {
        Class<?> type = AopUtils.getTargetClass(bean);
        List<ReplicationListenerEndpoint> endpoints = new ArrayList<>();
        ReplicationListener onType = AnnotationUtils.isCandidateClass(type, ReplicationListener.class)
                ? AnnotatedElementUtils.findMergedAnnotation(type, ReplicationListener.class) : null;
        if (bean instanceof ConnectionListener listener) {
            if (onType != null) {
                throw new IllegalArgumentException("Bean '" + beanName + "' is a ConnectionListener of connection '"
                        + listener.connection() + "' and has @ReplicationListener on its type, which would make it its"
                        + " connection's only consumer: remove the annotation");
            }
            if (!StringUtils.hasText(listener.connection())) {
                throw new IllegalArgumentException("Bean '" + beanName + "' is a ConnectionListener of no connection: its"
                        + " connection() must name one of pgrepl.connections");
            }
            endpoints.add(new ReplicationListenerEndpoint(beanName, listener.connection(), beanName, bean, ON_CHANGE,
                    List.of(), Set.of()));
        }
        if (!AnnotationUtils.isCandidateClass(type, ReplicationListener.class)) {
            return endpoints;
        }
        if (onType != null) {
            if (onType.tables().length > 0 || onType.operations().length > 0) {
                throw new IllegalArgumentException("Bean '" + beanName + "' has @ReplicationListener on its type with tables"
                        + " or operations, which only a method's takes: a bean-level listener gets every event of its"
                        + " connection. Annotate methods instead, e.g. @ReplicationListener(connection = \""
                        + onType.connection() + "\", tables = ...) void on(Change<T> change)");
            }
            endpoints.add(new ReplicationListenerEndpoint(id(onType, placeholders, beanName), connection(onType, placeholders,
                    "bean '" + beanName + "'"), beanName, bean, null, List.of(), Set.of()));
        }
        listenerMethods(type).forEach((method, annotation) -> {
            String where = "method " + ListenerMethod.describe(method) + " of bean '" + beanName + "'";
            List<String> tables = new ArrayList<>();
            for (String table : annotation.tables()) {
                String resolved = resolve(table, placeholders);
                if (!StringUtils.hasText(resolved)) {
                    throw new IllegalArgumentException("@ReplicationListener on " + where + " names an empty table: use"
                            + " schema.table or table");
                }
                // A placeholder may stand for several tables, comma-separated.
                for (String each : StringUtils.commaDelimitedListToStringArray(resolved)) {
                    if (StringUtils.hasText(each)) {
                        tables.add(each.trim());
                    }
                }
            }
            Set<Operation> operations = Set.copyOf(Arrays.asList(annotation.operations()));
            ReplicationListenerEndpoint endpoint = new ReplicationListenerEndpoint(
                    id(annotation, placeholders, beanName + "." + method.getName()), connection(annotation, placeholders, where),
                    beanName, bean, method, tables, operations);
            ListenerMethod.of(endpoint); // checks the signature now, not at the first change
            endpoints.add(endpoint);
        });
        return endpoints;
    }

    /** By name, then parameter types: reflection gives methods in no set order, and delivery order must not vary. */
    private static Map<Method, ReplicationListener> listenerMethods(Class<?> type) {
        Map<Method, ReplicationListener> found = MethodIntrospector.selectMethods(type,
                (MethodIntrospector.MetadataLookup<ReplicationListener>) method ->
                        AnnotatedElementUtils.findMergedAnnotation(method, ReplicationListener.class));
        Map<Method, ReplicationListener> sorted = new TreeMap<>(Comparator.comparing(Method::getName)
                .thenComparing(method -> Arrays.toString(method.getParameterTypes())));
        sorted.putAll(found);
        return sorted;
    }

    private static String id(ReplicationListener annotation, StringValueResolver placeholders, String fallback) {
        String id = resolve(annotation.id(), placeholders);
        return StringUtils.hasText(id) ? id : fallback;
    }

    private static String connection(ReplicationListener annotation, StringValueResolver placeholders, String where) {
        String connection = resolve(annotation.connection(), placeholders);
        if (!StringUtils.hasText(connection)) {
            throw new IllegalArgumentException("@ReplicationListener on " + where + " names no connection: set"
                    + " @ReplicationListener(connection = \"<name>\"), <name> as under pgrepl.connections");
        }
        return connection;
    }

    private static String resolve(String value, StringValueResolver placeholders) {
        return placeholders == null || value.isEmpty() ? value : placeholders.resolveStringValue(value);
    }
}
