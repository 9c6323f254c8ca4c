package io.github.pgrepl.sample;

import io.github.pgrepl.pgoutput.ChangeEvent;
import io.github.pgrepl.pgoutput.ChangeListener;
import io.github.pgrepl.spring.listener.ReplicationListener;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The listener of connection {@code orders}: logs each change of table {@code orders} and keeps the last
 * {@value #CAPACITY}. pgrepl calls it on the connection's listener thread, one event at a time; readers are HTTP
 * threads, hence the lock.
 */
@Component
@ReplicationListener("orders")
public class OrderChanges implements ChangeListener {

    static final int CAPACITY = 100;

    private static final Logger log = LoggerFactory.getLogger(OrderChanges.class);

    private final Deque<OrderChange> recent = new ArrayDeque<>(CAPACITY);
    /** Per-transaction state, from Begin to Commit; only the listener thread touches it. */
    private long xid;

    @Override
    public void onChange(ChangeEvent event) {
        if (event instanceof ChangeEvent.Begin begin) {
            xid = begin.xid();
        }
        OrderChange.of(event, xid, Instant.now()).ifPresent(change -> {
            log.info("{} order {}: {} {} {} (xid {})", change.operation(), change.id(), change.customer(), change.amount(),
                    change.status(), change.xid());
            synchronized (recent) {
                if (recent.size() == CAPACITY) {
                    recent.removeFirst();
                }
                recent.addLast(change);
            }
        });
    }

    /** The last changes, oldest first. */
    public List<OrderChange> recent() {
        synchronized (recent) {
            return List.copyOf(recent);
        }
    }
}
