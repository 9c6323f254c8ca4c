package io.github.pgrepl.pgoutput;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a {@link SnapshotChildConsumer}'s lives handled, replayed in order into the tables a consumer would keep, with
 * the checks of {@link Projection}: no change twice within one life (a restart may hand the last ones again), no READ
 * older than a change already handled for its row.
 */
final class Replay {

    final Map<String, Map<Long, String>> tables = new HashMap<>();
    final List<String> duplicates = new ArrayList<>();
    final List<String> stale = new ArrayList<>();
    final Set<String> completed = new LinkedHashSet<>();
    final List<Long> readsPerLife = new ArrayList<>();
    /** The rows each life read, {@code table:id}. */
    final List<Set<String>> readPerLife = new ArrayList<>();
    private final Map<String, Integer> newest = new HashMap<>();
    private final Set<String> deleted = new HashSet<>();

    static Replay of(Path... lives) throws IOException {
        Replay replay = new Replay();
        for (Path life : lives) {
            replay.life(handled(life));
        }
        return replay;
    }

    /** The lines up to the last commit: what the listener had handled when it was killed. */
    static List<String> handled(Path life) throws IOException {
        if (!Files.exists(life)) {
            return List.of();
        }
        List<String> lines = Files.readAllLines(life);
        return lines.subList(0, lines.lastIndexOf("X") + 1);
    }

    private void life(List<String> lines) {
        Set<String> seen = new HashSet<>();
        Set<String> read = new HashSet<>();
        long reads = 0;
        for (String line : lines) {
            String[] f = line.split(" ");
            switch (f[0]) {
                case "R" -> {
                    reads++;
                    String key = f[1] + ":" + f[2];
                    read.add(key);
                    int v = Integer.parseInt(f[3]);
                    Integer known = newest.get(key);
                    if (deleted.contains(key) || (known != null && known > v)) {
                        stale.add(line + " after " + (deleted.contains(key) ? "its DELETE" : "v=" + known));
                    }
                    rows(f[1]).put(Long.valueOf(f[2]), f[3] + "|" + f[4]);
                }
                case "I", "U" -> {
                    if (!seen.add(f[1] + ":" + f[2] + ":" + f[3])) {
                        duplicates.add(line);
                    }
                    newest.merge(f[1] + ":" + f[2], Integer.valueOf(f[3]), Math::max);
                    rows(f[1]).put(Long.valueOf(f[2]), f[3] + "|" + f[4]);
                }
                case "D" -> {
                    if (!seen.add(f[1] + ":" + f[2] + ":D")) {
                        duplicates.add(line);
                    }
                    deleted.add(f[1] + ":" + f[2]);
                    rows(f[1]).remove(Long.valueOf(f[2]));
                }
                case "C" -> completed.add(f[1]);
                default -> {
                }
            }
        }
        readsPerLife.add(reads);
        readPerLife.add(read);
    }

    /** Rows read in both of the first two lives. */
    long readTwice() {
        return readPerLife.get(1).stream().filter(readPerLife.get(0)::contains).count();
    }

    private Map<Long, String> rows(String table) {
        return tables.computeIfAbsent(table, name -> new HashMap<>());
    }
}
