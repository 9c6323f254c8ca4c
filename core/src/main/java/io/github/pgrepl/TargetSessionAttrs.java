package io.github.pgrepl;

import java.util.Locale;

/**
 * Which server of a host list a connection accepts, with libpq's {@code target_session_attrs} meanings. A connection
 * tries the hosts in order (or shuffled, with {@code load_balance_hosts=random}) and keeps the first that is of the
 * wanted kind, asking each with {@code SELECT pg_is_in_recovery(), current_setting('transaction_read_only')}.
 */
public enum TargetSessionAttrs {
    /** Any server that accepts the connection. */
    ANY,
    /** A server that accepts writes: not in recovery, and {@code default_transaction_read_only} off. */
    READ_WRITE,
    /** A server that refuses writes: a standby, or {@code default_transaction_read_only} on. */
    READ_ONLY,
    /** A server not in recovery: the primary. */
    PRIMARY,
    /** A server in recovery: a standby (logical decoding there needs PostgreSQL 16+). */
    STANDBY,
    /** A standby if any host is one; else, in a second pass over the list, any server (libpq's fallback). */
    PREFER_STANDBY,
    /** The primary if any host is one; else any server. pgjdbc's {@code preferPrimary}; libpq has no such value. */
    PREFER_PRIMARY;

    /** libpq's spelling ({@code prefer-standby}), any case, or pgjdbc's {@code targetServerType} spelling. */
    public static TargetSessionAttrs parse(String text) {
        if (text != null) {
            switch (text.strip().toLowerCase(Locale.ROOT)) {
                case "any":
                    return ANY;
                case "read-write":
                    return READ_WRITE;
                case "read-only":
                    return READ_ONLY;
                case "primary", "master":
                    return PRIMARY;
                case "standby", "secondary":
                    return STANDBY;
                case "prefer-standby", "preferstandby", "prefersecondary":
                    return PREFER_STANDBY;
                case "preferprimary", "prefer-primary":
                    return PREFER_PRIMARY;
                default:
                    break;
            }
        }
        throw new IllegalArgumentException("Unknown target_session_attrs '" + text
                + "': use one of any, read-write, read-only, primary, standby, prefer-standby");
    }

    /** libpq's spelling, e.g. {@code prefer-standby}. */
    public String value() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * Whether a server in this state is of the wanted kind, in the first pass over the list ({@code prefer-*} want
     * their preferred kind then, and anything in the second).
     */
    public boolean accepts(boolean inRecovery, boolean readOnly) {
        return switch (this) {
            case ANY -> true;
            case READ_WRITE -> !readOnly;
            case READ_ONLY -> readOnly;
            case PRIMARY, PREFER_PRIMARY -> !inRecovery;
            case STANDBY, PREFER_STANDBY -> inRecovery;
        };
    }

    /** Whether a second pass over the list takes any server, when the first found none of the preferred kind. */
    public boolean fallsBackToAny() {
        return this == PREFER_STANDBY || this == PREFER_PRIMARY;
    }
}
