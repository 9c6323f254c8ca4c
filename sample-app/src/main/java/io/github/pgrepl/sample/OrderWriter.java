package io.github.pgrepl.sample;

import io.github.pgrepl.ConnectionState;
import io.github.pgrepl.ReplicationConnection;

import java.math.BigDecimal;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Something to replicate: every {@code sample.writer.interval} inserts an order and moves the oldest open one a step
 * further (NEW, PAID, SHIPPED, DELIVERED). Every fifth order is from the blocked customer, which the listener refuses
 * (it ends up in the dead-letter table). Off with {@code sample.writer.enabled=false}, e.g. when another program writes
 * the table.
 */
@Component
@ConditionalOnBooleanProperty(name = "sample.writer.enabled", matchIfMissing = true)
public class OrderWriter {

    private static final Logger log = LoggerFactory.getLogger(OrderWriter.class);
    private static final List<String> CUSTOMERS = List.of("Ada", "Grace", "Linus", "Barbara", "Edsger", "Margaret");

    private static final String INSERT = "INSERT INTO orders (customer, amount, status, updated_at) VALUES (?, ?, 'NEW', now())";
    private static final String ADVANCE = """
            UPDATE orders
               SET status = CASE status WHEN 'NEW' THEN 'PAID' WHEN 'PAID' THEN 'SHIPPED' ELSE 'DELIVERED' END,
                   updated_at = now()
             WHERE id = (SELECT min(id) FROM orders WHERE status <> 'DELIVERED')""";

    private final JdbcClient jdbc;
    private final ReplicationConnection orders;
    private boolean started;
    private long written;

    public OrderWriter(JdbcClient jdbc, ReplicationConnection ordersReplicationConnection) {
        this.jdbc = jdbc;
        this.orders = ordersReplicationConnection;
    }

    @Scheduled(fixedDelayString = "${sample.writer.interval:1s}")
    public void write() {
        // Wait for the first stream: a slot created later would not see the first orders.
        started = started || orders.status().state() == ConnectionState.STREAMING;
        if (!started) {
            return;
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        try {
            String customer = ++written % 5 == 0 ? OrderChanges.BLOCKED_CUSTOMER : CUSTOMERS.get(random.nextInt(CUSTOMERS.size()));
            jdbc.sql(INSERT).params(customer, BigDecimal.valueOf(random.nextLong(500, 50_000), 2)).update();
            jdbc.sql(ADVANCE).update();
        } catch (DataAccessException e) {
            // One line per tick rather than a stack trace: the server may just be restarting; the next tick retries.
            log.warn("Could not write an order: {}", e.getMostSpecificCause().getMessage());
        }
    }
}
