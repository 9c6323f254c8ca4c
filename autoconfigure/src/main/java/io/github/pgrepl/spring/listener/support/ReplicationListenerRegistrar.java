package io.github.pgrepl.spring.listener.support;

import io.github.pgrepl.spring.listener.ReplicationListenerBindingException;

import java.util.List;

/** Takes the listeners {@link ReplicationListenerBeanPostProcessor} found, once every singleton exists. */
public interface ReplicationListenerRegistrar {

    /**
     * Binds each connection to its listeners.
     *
     * @throws ReplicationListenerBindingException when a connection has no listener or listeners that cannot share it,
     *     or a listener names a connection that is not configured
     */
    void registerListeners(List<ReplicationListenerEndpoint> endpoints);
}
