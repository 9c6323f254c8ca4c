package io.github.pgrepl.sample;

import io.github.pgrepl.spring.listener.Change;
import io.github.pgrepl.spring.listener.ChangeTransaction;
import io.github.pgrepl.spring.listener.Operation;
import io.github.pgrepl.spring.listener.ReplicationListener;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The listeners of connection {@code orders}: each change of table {@code orders} (kept, the last {@value #CAPACITY}),
 * and each committed transaction. New orders of a blocked customer are refused: the listener throws a
 * {@link CustomerBlockedException}, which retrying cannot fix, and the dead-letter recoverer (see
 * {@code application.yml}) writes them to {@code pgrepl_dead_letter} at once; other errors are tried twice first.
 *
 * <p>pgrepl calls these methods on the connection's listener thread, one event at a time, in commit order; readers are
 * HTTP threads, hence the locks.
 */
@Component
public class OrderChanges {

    static final int CAPACITY = 100;
    static final String BLOCKED_CUSTOMER = "Mallory";

    private static final Logger log = LoggerFactory.getLogger(OrderChanges.class);

    private final Deque<OrderChange> recent = new ArrayDeque<>(CAPACITY);
    private final Deque<OrderTransaction> transactions = new ArrayDeque<>(CAPACITY);

    @ReplicationListener(connection = "orders", tables = "public.orders")
    void on(Change<Order> change) {
        Order order = change.after();
        if (change.operation() == Operation.INSERT && BLOCKED_CUSTOMER.equals(order.customer())) {
            throw new CustomerBlockedException(order.customer(), order.id());
        }
        OrderChange seen = OrderChange.of(change, Instant.now());
        log.info("{} order {}: {} {} {} (xid {})", seen.operation(), seen.id(), seen.customer(), seen.amount(), seen.status(),
                seen.xid());
        add(recent, seen);
    }

    @ReplicationListener(connection = "orders", tables = "orders")
    void transaction(ChangeTransaction transaction) {
        add(transactions, new OrderTransaction(transaction.xid(), transaction.commitLsn().toString(), transaction.commitTime(),
                transaction.changes().size()));
    }

    /** The last changes, oldest first. */
    public List<OrderChange> recent() {
        synchronized (recent) {
            return List.copyOf(recent);
        }
    }

    /** The last transactions, oldest first. */
    public List<OrderTransaction> transactions() {
        synchronized (transactions) {
            return List.copyOf(transactions);
        }
    }

    private static <T> void add(Deque<T> last, T item) {
        synchronized (last) {
            if (last.size() == CAPACITY) {
                last.removeFirst();
            }
            last.addLast(item);
        }
    }
}
