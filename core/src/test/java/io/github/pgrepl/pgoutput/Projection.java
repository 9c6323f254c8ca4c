package io.github.pgrepl.pgoutput;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A listener that keeps what a consumer would: each table's rows by id (READ and INSERT put, UPDATE puts, DELETE
 * removes), and checks as it goes that no change arrives twice and that no READ is older than a change the stream
 * already delivered for its row ({@code v} only grows; ids are never reused).
 */
class Projection implements ChangeListener {

    final Map<String, Map<Long, String>> tables = new ConcurrentHashMap<>();
    final List<String> duplicates = new CopyOnWriteArrayList<>();
    final List<String> stale = new CopyOnWriteArrayList<>();
    final Set<String> completed = ConcurrentHashMap.newKeySet();
    final AtomicLong reads = new AtomicLong();
    final AtomicLong changes = new AtomicLong();
    private final Set<String> seen = ConcurrentHashMap.newKeySet();
    private final Map<String, Integer> newest = new ConcurrentHashMap<>();
    private final Set<String> deleted = ConcurrentHashMap.newKeySet();

    @Override
    public void onChange(ChangeEvent event) {
        if (event instanceof ChangeEvent.Read read) {
            reads.incrementAndGet();
            String table = read.relation().qualifiedName();
            long id = read.row().getLong("id");
            int v = read.row().getInt("v");
            String key = table + ":" + id;
            Integer known = newest.get(key);
            if (deleted.contains(key) || (known != null && known > v)) {
                stale.add("READ " + key + " v=" + v + " after the stream's " + (deleted.contains(key) ? "DELETE" : "v=" + known));
            }
            rows(table).put(id, v + "|" + read.row().getString("payload"));
        } else if (event instanceof ChangeEvent.Insert insert) {
            upsert(insert.relation().qualifiedName(), insert.newRow());
        } else if (event instanceof ChangeEvent.Update update) {
            upsert(update.relation().qualifiedName(), update.newRow());
        } else if (event instanceof ChangeEvent.Delete delete) {
            String table = delete.relation().qualifiedName();
            long id = delete.oldKey().getLong("id");
            changed(table + ":" + id + ":D");
            deleted.add(table + ":" + id);
            rows(table).remove(id);
        } else if (event instanceof ChangeEvent.SnapshotCompleted done) {
            completed.add(done.table().qualifiedName());
        }
    }

    private void upsert(String table, Row row) {
        long id = row.getLong("id");
        int v = row.getInt("v");
        changed(table + ":" + id + ":" + v);
        newest.merge(table + ":" + id, v, Math::max);
        rows(table).put(id, v + "|" + row.getString("payload"));
    }

    private void changed(String change) {
        changes.incrementAndGet();
        if (!seen.add(change)) {
            duplicates.add(change);
        }
    }

    Map<Long, String> rows(String table) {
        return tables.computeIfAbsent(table, name -> new ConcurrentHashMap<>());
    }
}
