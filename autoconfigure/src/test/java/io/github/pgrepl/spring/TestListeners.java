package io.github.pgrepl.spring;

import io.github.pgrepl.ReplicationHandler;
import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.pgoutput.ChangeListener;
import io.github.pgrepl.spring.listener.ReplicationListener;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Listener beans for the tests, one configuration per situation. */
public final class TestListeners {

    private TestListeners() {
    }

    /** Keeps every event it gets. */
    @ReplicationListener("orders")
    public static class OrdersListener implements ChangeListener {

        public final List<ChangeEvent> events = new CopyOnWriteArrayList<>();

        @Override
        public void onChange(ChangeEvent event) {
            events.add(event);
        }
    }

    @ReplicationListener("orders")
    public static class OrdersHandler implements ReplicationHandler {
    }

    @ReplicationListener("orders")
    public static class OtherOrdersListener implements ChangeListener {
        @Override
        public void onChange(ChangeEvent event) {
        }
    }

    @ReplicationListener("orderz")
    public static class MisspelledListener implements ChangeListener {
        @Override
        public void onChange(ChangeEvent event) {
        }
    }

    @ReplicationListener("orders")
    public static class NeitherListenerNorHandler {
    }

    @Configuration(proxyBeanMethods = false)
    public static class OrdersListenerConfiguration {
        @Bean
        public OrdersListener ordersListener() {
            return new OrdersListener();
        }
    }

    @Configuration(proxyBeanMethods = false)
    public static class OrdersHandlerConfiguration {
        @Bean
        public OrdersHandler ordersHandler() {
            return new OrdersHandler();
        }
    }

    @Configuration(proxyBeanMethods = false)
    public static class TwoOrdersListenersConfiguration {
        @Bean
        public OrdersListener ordersListener() {
            return new OrdersListener();
        }

        @Bean
        public OtherOrdersListener otherOrdersListener() {
            return new OtherOrdersListener();
        }
    }

    @Configuration(proxyBeanMethods = false)
    public static class MisspelledListenerConfiguration {
        @Bean
        public MisspelledListener misspelledListener() {
            return new MisspelledListener();
        }
    }

    @Configuration(proxyBeanMethods = false)
    public static class NeitherConfiguration {
        @Bean
        public NeitherListenerNorHandler neither() {
            return new NeitherListenerNorHandler();
        }
    }
}
