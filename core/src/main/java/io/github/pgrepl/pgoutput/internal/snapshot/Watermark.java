package io.github.pgrepl.pgoutput.internal.snapshot;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A watermark of an incremental snapshot: the content of a {@code pg_logical_emit_message(true, 'pgrepl.snapshot', …)}
 * written before ({@link Kind#LOW}) and after ({@link Kind#HIGH}) each chunk is read. Besides bracketing the chunk in
 * the stream, each carries the snapshot's whole state, so that a consumer restarted from the slot's position (which
 * is held at the last watermark processed) finds where to resume in the first watermark it reads again.
 *
 * @param kind low or high
 * @param snapshot the snapshot's id
 * @param chunk this chunk's attempt (a new one on each retry): watermarks of an attempt nobody waits for are old
 * @param table the table being read, {@code schema.table}
 * @param after the key the chunk reads after (exclusive), as text per key column; {@code null} from the start
 * @param last (high) the key of the chunk's last row, where the next chunk reads after; {@code null} when none
 * @param done (high) whether the chunk was the table's last
 * @param rows the table's rows read before this chunk (low), or with it (high)
 * @param chunks the table's chunks read before this one (low), or with it (high)
 * @param tables the tables left to read after this one, in order
 */
public record Watermark(Kind kind, String snapshot, long chunk, String table, List<String> after, List<String> last,
                        boolean done, long rows, long chunks, List<String> tables) {

    /** The {@code prefix} of every watermark message. */
    public static final String PREFIX = "pgrepl.snapshot";
    private static final int VERSION = 1;

    public Watermark {
        after = after == null ? null : List.copyOf(after);
        last = last == null ? null : List.copyOf(last);
        tables = List.copyOf(tables);
    }

    /** Low or high. */
    public enum Kind { LOW, HIGH }

    /** The message's content: a JSON object. */
    public byte[] encode() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("v", VERSION);
        json.put("kind", kind == Kind.LOW ? "low" : "high");
        json.put("snapshot", snapshot);
        json.put("chunk", chunk);
        json.put("table", table);
        json.put("after", after);
        if (kind == Kind.HIGH) {
            json.put("last", last);
            json.put("done", done);
        }
        json.put("rows", rows);
        json.put("chunks", chunks);
        json.put("tables", tables);
        return Json.write(json).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Reads a message's content.
     *
     * @throws IllegalArgumentException when it is not a watermark pgrepl wrote
     */
    public static Watermark decode(byte[] content) {
        Object parsed = Json.parse(new String(content, StandardCharsets.UTF_8));
        if (!(parsed instanceof Map<?, ?> json) || !Long.valueOf(VERSION).equals(json.get("v"))) {
            throw new IllegalArgumentException("not a version " + VERSION + " pgrepl watermark");
        }
        Object kind = json.get("kind");
        if (!"low".equals(kind) && !"high".equals(kind)) {
            throw new IllegalArgumentException("unknown watermark kind " + kind);
        }
        return new Watermark("low".equals(kind) ? Kind.LOW : Kind.HIGH, text(json, "snapshot"), number(json, "chunk"),
                text(json, "table"), texts(json, "after"), texts(json, "last"), Boolean.TRUE.equals(json.get("done")),
                number(json, "rows"), number(json, "chunks"), texts(json.get("tables"), "tables"));
    }

    private static String text(Map<?, ?> json, String name) {
        if (!(json.get(name) instanceof String value)) {
            throw new IllegalArgumentException("the watermark has no " + name);
        }
        return value;
    }

    private static long number(Map<?, ?> json, String name) {
        if (!(json.get(name) instanceof Long value)) {
            throw new IllegalArgumentException("the watermark has no " + name);
        }
        return value;
    }

    private static List<String> texts(Map<?, ?> json, String name) {
        return json.get(name) == null ? null : texts(json.get(name), name);
    }

    private static List<String> texts(Object value, String name) {
        if (!(value instanceof List<?> list)) {
            throw new IllegalArgumentException("the watermark's " + name + " is not a list");
        }
        List<String> texts = new ArrayList<>(list.size());
        for (Object element : list) {
            if (!(element instanceof String text)) {
                throw new IllegalArgumentException("the watermark's " + name + " holds a non-text");
            }
            texts.add(text);
        }
        return texts;
    }
}
