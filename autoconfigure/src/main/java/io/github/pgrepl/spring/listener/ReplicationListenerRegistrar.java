package io.github.pgrepl.spring.listener;

import java.util.List;

/** Takes the listeners {@link ReplicationListenerBeanPostProcessor} found, once every singleton exists. */
public interface ReplicationListenerRegistrar {

    /**
     * Binds each listener to its connection.
     *
     * @throws ReplicationListenerBindingException when a connection has no listener or several, or a listener names a
     *     connection that is not configured
     */
    void registerListeners(List<ReplicationListenerEndpoint> endpoints);
}
