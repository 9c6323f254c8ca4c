package io.github.pgrepl.sample;

import java.util.List;
import java.util.Map;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /changes} and {@code GET /transactions}: what reached the listeners, oldest first; {@code GET
 * /dead-letters}: the changes the listener refused, from the dead-letter table pgrepl created.
 */
@RestController
public class ChangesController {

    private final OrderChanges changes;
    private final JdbcClient jdbc;

    public ChangesController(OrderChanges changes, JdbcClient jdbc) {
        this.changes = changes;
        this.jdbc = jdbc;
    }

    @GetMapping("/changes")
    public List<OrderChange> changes() {
        return changes.recent();
    }

    @GetMapping("/transactions")
    public List<OrderTransaction> transactions() {
        return changes.transactions();
    }

    @GetMapping("/dead-letters")
    public List<Map<String, Object>> deadLetters() {
        // pgrepl creates the table at the first dead letter.
        if (!Boolean.TRUE.equals(jdbc.sql("SELECT to_regclass('pgrepl_dead_letter') IS NOT NULL").query(Boolean.class).single())) {
            return List.of();
        }
        return jdbc.sql("SELECT id, listener, table_name, operation, lsn::text AS lsn, xid, change::text AS change, error,"
                + " attempts, recorded_at FROM pgrepl_dead_letter ORDER BY id").query().listOfRows();
    }
}
