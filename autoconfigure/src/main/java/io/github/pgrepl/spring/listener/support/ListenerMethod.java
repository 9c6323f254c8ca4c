package io.github.pgrepl.spring.listener.support;

import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.pgoutput.Row;
import io.github.pgrepl.spring.listener.Change;
import io.github.pgrepl.spring.listener.ChangeTransaction;
import io.github.pgrepl.spring.listener.ConnectionListener;
import io.github.pgrepl.spring.listener.Operation;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

import org.springframework.aop.support.AopUtils;
import org.springframework.beans.BeanUtils;
import org.springframework.core.ResolvableType;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * A listener method and what its one parameter asks for: a {@link Change Change&lt;T&gt;}, a row {@code T} alone, a
 * {@link ChangeTransaction} or a raw {@link ChangeEvent}. Checked when created, so that a wrong signature stops the
 * application at startup, not at the first change. A {@link ConnectionListener} is one too: raw events of committed
 * transactions, through its {@code onChange}.
 */
public final class ListenerMethod {

    /** What the method's parameter asks for. */
    public enum Kind {
        /** {@code Change<T>}: each change of a row. */
        CHANGE,
        /** {@code T}: the new row of each INSERT and UPDATE. */
        PAYLOAD,
        /** {@code ChangeTransaction}: each committed transaction. */
        TRANSACTION,
        /** {@code ChangeEvent} or one of its records: the decoded events. */
        EVENT
    }

    /** What a payload-only method can receive: the operations that have a new row. */
    private static final Set<Operation> WITH_NEW_ROW = EnumSet.of(Operation.READ, Operation.INSERT, Operation.UPDATE);

    private final ReplicationListenerEndpoint endpoint;
    private final Method invocable;
    private final Kind kind;
    private final ResolvableType rowType;
    private final Class<?> eventType;
    /** The bean of a connection listener, called directly; else {@code null}. */
    private final ConnectionListener connectionListener;

    private ListenerMethod(ReplicationListenerEndpoint endpoint, Method invocable, Kind kind, ResolvableType rowType,
                           Class<?> eventType) {
        this.endpoint = endpoint;
        this.invocable = invocable;
        this.kind = kind;
        this.rowType = rowType;
        this.eventType = eventType;
        this.connectionListener = endpoint.isConnectionListener() ? (ConnectionListener) endpoint.bean() : null;
    }

    /**
     * @throws IllegalArgumentException naming the method, what is wrong and the fix
     */
    public static ListenerMethod of(ReplicationListenerEndpoint endpoint) {
        Method method = endpoint.method();
        if (method == null) {
            throw new IllegalArgumentException("Listener " + endpoint + " is a bean, not a method");
        }
        if (endpoint.isConnectionListener()) {
            return new ListenerMethod(endpoint, method, Kind.EVENT, null, ChangeEvent.class);
        }
        String name = describe(method);
        if (method.getParameterCount() != 1) {
            throw new IllegalArgumentException("Listener method " + name + " takes " + method.getParameterCount()
                    + " parameters; it must take exactly one: Change<T>, a row type T, ChangeTransaction or ChangeEvent");
        }
        Method invocable;
        try {
            invocable = AopUtils.selectInvocableMethod(method, endpoint.bean().getClass());
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException("Listener method " + name + " cannot be called on bean '" + endpoint.beanName()
                    + "', a proxy: make it public (" + e.getMessage() + ")", e);
        }
        ResolvableType parameter = ResolvableType.forMethodParameter(method, 0);
        Class<?> type = parameter.resolve(Object.class);
        if (type == Change.class) {
            ResolvableType row = parameter.getGeneric(0);
            return new ListenerMethod(endpoint, invocable, Kind.CHANGE, rowType(name, row.resolve() == null ? ResolvableType.forClass(Row.class) : row), null);
        }
        if (type == ChangeTransaction.class) {
            return new ListenerMethod(endpoint, invocable, Kind.TRANSACTION, null, null);
        }
        if (ChangeEvent.class.isAssignableFrom(type)) {
            return new ListenerMethod(endpoint, invocable, Kind.EVENT, null, type);
        }
        ResolvableType row = rowType(name, parameter);
        Set<Operation> without = EnumSet.noneOf(Operation.class);
        without.addAll(endpoint.operations());
        without.removeAll(WITH_NEW_ROW);
        if (!without.isEmpty()) {
            throw new IllegalArgumentException("Listener method " + name + " takes the new row alone, but asks for "
                    + without.stream().map(Enum::name).collect(Collectors.joining(", ")) + ", which has none: take"
                    + " Change<" + type.getSimpleName() + "> instead (key(), and before() under REPLICA IDENTITY FULL)");
        }
        return new ListenerMethod(endpoint, invocable, Kind.PAYLOAD, row, null);
    }

    private static ResolvableType rowType(String method, ResolvableType row) {
        Class<?> type = row.resolve(Object.class);
        if (type == Object.class || BeanUtils.isSimpleValueType(type) || type.isArray() || type.isInterface() && type != java.util.Map.class) {
            throw new IllegalArgumentException("Listener method " + method + " takes " + row + ", which is not a row type:"
                    + " use a record, a class with a constructor or setters, Map<String, Object> or Row (or Change<T>,"
                    + " ChangeTransaction, ChangeEvent)");
        }
        return row;
    }

    static String describe(Method method) {
        return ClassUtils.getUserClass(method.getDeclaringClass()).getSimpleName() + "." + method.getName() + "("
                + java.util.Arrays.stream(method.getParameterTypes()).map(Class::getSimpleName).collect(Collectors.joining(", "))
                + ")";
    }

    public ReplicationListenerEndpoint endpoint() {
        return endpoint;
    }

    public String id() {
        return endpoint.id();
    }

    public Kind kind() {
        return kind;
    }

    /** {@code T} of a {@link Kind#CHANGE} or {@link Kind#PAYLOAD} method; else {@code null}. */
    public ResolvableType rowType() {
        return rowType;
    }

    /** The {@link ConnectionListener} this is, or {@code null} for a method. */
    public ConnectionListener connectionListener() {
        return connectionListener;
    }

    /** Whether a {@link Kind#EVENT} method takes {@code event}'s type. */
    boolean takes(ChangeEvent event) {
        return eventType.isInstance(event);
    }

    /**
     * Calls the method.
     *
     * @throws Exception what the method threw (not wrapped)
     */
    public void invoke(Object argument) throws Exception {
        if (connectionListener != null) {
            connectionListener.onChange((ChangeEvent) argument);
            return;
        }
        ReflectionUtils.makeAccessible(invocable);
        try {
            invocable.invoke(endpoint.bean(), argument);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getTargetException();
            if (cause instanceof Exception exception) {
                throw exception;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }

    @Override
    public String toString() {
        return endpoint.id() + (connectionListener != null ? " (connection listener)" : " (" + describe(endpoint.method()) + ")");
    }
}
