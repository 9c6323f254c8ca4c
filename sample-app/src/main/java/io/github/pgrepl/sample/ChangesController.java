package io.github.pgrepl.sample;

import java.util.List;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /changes}: the last changes of table {@code orders} that reached the listener, oldest first. */
@RestController
public class ChangesController {

    private final OrderChanges changes;

    public ChangesController(OrderChanges changes) {
        this.changes = changes;
    }

    @GetMapping("/changes")
    public List<OrderChange> changes() {
        return changes.recent();
    }
}
