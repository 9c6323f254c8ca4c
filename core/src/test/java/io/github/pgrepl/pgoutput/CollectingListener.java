package io.github.pgrepl.pgoutput;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/** Keeps every event; tests read them from other threads. */
class CollectingListener implements ChangeListener {

    final List<ChangeEvent> events = new CopyOnWriteArrayList<>();

    @Override
    public void onChange(ChangeEvent event) throws Exception {
        events.add(event);
    }

    <T extends ChangeEvent> List<T> ofType(Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).collect(Collectors.toList());
    }

    /**
     * {@link #ofType}, leaving out the Begin and the Commit of every transaction that changed no published table:
     * PostgreSQL 14 sends them (an autovacuum ANALYZE is one, at any moment), 15 and later skip them. Counts of Begins
     * and Commits, and "the first Commit", are then of the test's own transactions. A Begin whose next event has not
     * arrived yet is left out too: it is not known to be the test's.
     */
    <T extends ChangeEvent> List<T> nonEmptyOfType(Class<T> type) {
        List<ChangeEvent> all = List.copyOf(events);
        List<T> kept = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            ChangeEvent event = all.get(i);
            boolean emptyBegin = event instanceof ChangeEvent.Begin
                    && (i + 1 == all.size() || all.get(i + 1) instanceof ChangeEvent.Commit);
            boolean emptyCommit = event instanceof ChangeEvent.Commit && i > 0 && all.get(i - 1) instanceof ChangeEvent.Begin;
            if (type.isInstance(event) && !emptyBegin && !emptyCommit) {
                kept.add(type.cast(event));
            }
        }
        return kept;
    }

    /** The simple names of the event types, in order: "Begin", "Insert", ... */
    List<String> kinds() {
        return events.stream().map(event -> event.getClass().getSimpleName()).collect(Collectors.toList());
    }

    /** Values of column {@code id} of every insert, as longs. */
    List<Long> insertedIds() {
        return ofType(ChangeEvent.Insert.class).stream().map(insert -> insert.newRow().getLong("id")).collect(Collectors.toList());
    }
}
