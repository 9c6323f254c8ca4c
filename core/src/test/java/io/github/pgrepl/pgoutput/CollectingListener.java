package io.github.pgrepl.pgoutput;

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

    /** The simple names of the event types, in order: "Begin", "Insert", ... */
    List<String> kinds() {
        return events.stream().map(event -> event.getClass().getSimpleName()).collect(Collectors.toList());
    }

    /** Values of column {@code id} of every insert, as longs. */
    List<Long> insertedIds() {
        return ofType(ChangeEvent.Insert.class).stream().map(insert -> insert.newRow().getLong("id")).collect(Collectors.toList());
    }
}
