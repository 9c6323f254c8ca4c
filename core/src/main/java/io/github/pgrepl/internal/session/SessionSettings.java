package io.github.pgrepl.internal.session;

import io.github.pgrepl.NonTransientReplicationException;
import io.github.pgrepl.ReplicationException;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The session settings that decide how the server prints values, pinned at startup as pgjdbc does, so that
 * whatever the server's or the role's defaults (a {@code datestyle = 'SQL, DMY'}, an {@code extra_float_digits = 0}
 * that rounds floats, a Latin-1 client encoding) text values read the same: ISO dates, {@code postgres} intervals,
 * floats in their shortest exact form, UTF-8. A ParameterStatus that changes one of them (a {@code SET} in a query,
 * an {@code options} setting) is refused: every value after it would be misread.
 */
public final class SessionSettings {

    /** Sent in the startup message. */
    public static final Map<String, String> PINNED;

    static {
        Map<String, String> pinned = new LinkedHashMap<>();
        pinned.put("DateStyle", "ISO");
        pinned.put("IntervalStyle", "postgres");
        pinned.put("extra_float_digits", "3");
        pinned.put("client_encoding", "UTF8");
        PINNED = Collections.unmodifiableMap(pinned);
    }

    private SessionSettings() {
    }

    /** Whether {@code name} (a GUC, any case) is one pgrepl pins. */
    public static boolean isPinned(String name) {
        for (String pinned : PINNED.keySet()) {
            if (pinned.equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code text} (the {@code options} startup parameter) names a pinned setting. */
    public static boolean mentionsPinned(String text) {
        String lower = text.toLowerCase(Locale.ROOT);
        return PINNED.keySet().stream().anyMatch(pinned -> lower.contains(pinned.toLowerCase(Locale.ROOT)));
    }

    /**
     * Refuses a reported setting that contradicts the pinned one. DateStyle is reported with its field order
     * ({@code ISO, MDY}), which does not change the output; extra_float_digits is never reported.
     */
    static void checkReported(String name, String value) {
        String expected = switch (name.toLowerCase(Locale.ROOT)) {
            case "datestyle" -> value.toUpperCase(Locale.ROOT).startsWith("ISO") ? null : "ISO";
            case "intervalstyle" -> value.equals("postgres") ? null : "postgres";
            case "client_encoding" -> value.equalsIgnoreCase("UTF8") || value.equalsIgnoreCase("UNICODE") ? null : "UTF8";
            default -> null;
        };
        if (expected != null) {
            throw new NonTransientReplicationException("The server set " + name + " to '" + value + "', but pgrepl reads values as "
                    + name + "=" + expected + " prints them (it sets that at startup): every later value would be misread."
                    + " Do not SET " + name + " on a replication connection, nor pass it in the options parameter");
        }
    }
}
