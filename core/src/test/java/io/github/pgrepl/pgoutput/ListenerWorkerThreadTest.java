package io.github.pgrepl.pgoutput;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.pgrepl.Lsn;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

/** The listener's thread comes from the thread factory the handler was given, named after the connection. */
class ListenerWorkerThreadTest {

    /** The handler's mailbox: these tests need none of its signals. */
    private static final Consumer<Object> NO_SIGNALS = signal -> { };

    @Test
    void theListenerRunsOnAThreadOfTheFactoryNamedAfterTheConnection() {
        AtomicInteger made = new AtomicInteger();
        ThreadGroup group = new ThreadGroup("from-the-factory");
        ThreadFactory factory = task -> {
            made.incrementAndGet();
            return new Thread(group, task);
        };
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        ListenerWorker worker = new ListenerWorker("orders", factory, event -> ranOn.set(Thread.currentThread()), 10, 1024,
                1, Duration.ZERO, NO_SIGNALS);
        try {
            worker.start();
            worker.offer(new ChangeEvent.Begin(Lsn.of(16), Instant.now(), 7), 10, null);
            worker.flush();
            await().atMost(Duration.ofSeconds(5)).until(() -> ranOn.get() != null);
            assertThat(made).hasValue(1);
            assertThat(ranOn.get().getThreadGroup()).isSameAs(group);
            assertThat(ranOn.get().getName()).isEqualTo("pgrepl-orders-listener");
        } finally {
            worker.stop(Duration.ofSeconds(1));
        }
    }

    @Test
    void withoutAFactoryAPlatformThreadOfTheSameName() {
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        ListenerWorker worker = new ListenerWorker("orders", null, event -> ranOn.set(Thread.currentThread()), 10, 1024, 1,
                Duration.ZERO, NO_SIGNALS);
        try {
            worker.start();
            worker.offer(new ChangeEvent.Begin(Lsn.of(16), Instant.now(), 7), 10, null);
            worker.flush();
            await().atMost(Duration.ofSeconds(5)).until(() -> ranOn.get() != null);
            assertThat(ranOn.get().getName()).isEqualTo("pgrepl-orders-listener");
        } finally {
            worker.stop(Duration.ofSeconds(1));
        }
    }

    @Test
    void aFactoryThatMakesNoThreadIsAnError() {
        assertThatThrownBy(() -> new ListenerWorker("orders", task -> null, event -> { }, 10, 1024, 1, Duration.ZERO,
                NO_SIGNALS)).hasMessageContaining("made no thread for the listener of connection 'orders'");
    }

    @Test
    void theBuilderRefusesNoFactory() {
        assertThatThrownBy(() -> PgOutputHandler.builder(event -> { }).threadFactory(null))
                .isInstanceOf(NullPointerException.class);
    }
}
