package io.github.pgrepl;

import java.time.Duration;
import java.util.Objects;

/**
 * What a {@link ReplicationHandler} callback asks the connection to do next: the Java form of the
 * seed's return tuples ({@code {:noreply, ack, state}}, {@code {:query, ...}}, {@code {:stream, ...}},
 * {@code {:disconnect, reason}}, {@code {:noreply_and_pause, ...}}, {@code {:noreply_and_resume, ...}}).
 *
 * <p>Acks are raw CopyData payloads, typically {@link ReplicationMessages#standbyStatusUpdate}; they are
 * written as given (not copied), so do not change an array after returning it.
 */
public final class Action {

    /** The kinds of action; useful to handlers that wrap others. */
    public enum Kind { NO_REPLY, QUERY, STREAM, DISCONNECT, STANDBY, PAUSE, RESUME }

    /** The default {@code maxMessages} of a stream: CopyData messages per batch before timers and calls run. */
    public static final int DEFAULT_MAX_MESSAGES = 500;

    private static final byte[][] NO_ACKS = new byte[0][];
    private static final Action NO_REPLY = new Action(Kind.NO_REPLY, NO_ACKS, null, null, 0, null);

    private final Kind kind;
    private final byte[][] acks;
    private final String sql;
    private final Duration timeout;
    private final int maxMessages;
    private final String reason;

    private Action(Kind kind, byte[][] acks, String sql, Duration timeout, int maxMessages, String reason) {
        this.kind = kind;
        this.acks = acks;
        this.sql = sql;
        this.timeout = timeout;
        this.maxMessages = maxMessages;
        this.reason = reason;
    }

    /** Do nothing. */
    public static Action noReply() {
        return NO_REPLY;
    }

    /** Send each ack as a CopyData message of the running replication stream. */
    public static Action noReply(byte[]... acks) {
        return acks == null || acks.length == 0 ? NO_REPLY : new Action(Kind.NO_REPLY, checkAcks(acks), null, null, 0, null);
    }

    /** Run one simple-protocol query; its outcome goes to {@link ReplicationHandler#handleResult}. */
    public static Action query(String sql) {
        return query(sql, null);
    }

    /**
     * As {@link #query(String)}; the connection is closed (and {@code handleDisconnect} called) when no
     * answer arrives within {@code timeout}. {@code null} means the connection's default query timeout.
     */
    public static Action query(String sql, Duration timeout) {
        return new Action(Kind.QUERY, NO_ACKS, checkSql(sql), checkTimeout(timeout), 0, null);
    }

    /** Start a stream ({@code START_REPLICATION ...} or {@code COPY ... TO STDOUT}) in batches of 500 messages. */
    public static Action stream(String sql) {
        return stream(sql, DEFAULT_MAX_MESSAGES);
    }

    /**
     * Start a stream; after {@code maxMessages} CopyData messages in a row, timers and calls get their
     * turn before the next batch.
     */
    public static Action stream(String sql, int maxMessages) {
        if (maxMessages < 1) {
            throw new IllegalArgumentException("maxMessages must be at least 1, was " + maxMessages);
        }
        return new Action(Kind.STREAM, NO_ACKS, checkSql(sql), null, maxMessages, null);
    }

    /** Close the socket; {@code handleDisconnect} is called with a {@link ReplicationException} carrying the reason. */
    public static Action disconnect(String reason) {
        return new Action(Kind.DISCONNECT, NO_ACKS, null, null, 0, Objects.requireNonNull(reason, "reason"));
    }

    /**
     * Close the socket and wait as a standby: another consumer holds what this one needs (typically
     * "replication slot ... is active for PID n"). With auto-reconnect the connection stays in
     * {@link ConnectionState#STANDBY}, retries with backoff and calls {@code handleConnect} again, logging
     * at most once a minute; without it, this is a {@link #disconnect}.
     */
    public static Action standby(String reason) {
        return new Action(Kind.STANDBY, NO_ACKS, null, null, 0, Objects.requireNonNull(reason, "reason"));
    }

    /**
     * Send the acks, then stop reading the socket: no {@code handleData} until resumed. Timers, calls and
     * writes go on, so status updates keep {@code wal_sender_timeout} from firing while TCP backpressure
     * holds the walsender. Pausing when paused is harmless.
     */
    public static Action noReplyAndPause(byte[]... acks) {
        return new Action(Kind.PAUSE, acks == null ? NO_ACKS : checkAcks(acks), null, null, 0, null);
    }

    /**
     * Send the acks, deliver the messages held since the pause in order, then read the socket again.
     * Resuming when not paused is harmless.
     */
    public static Action noReplyAndResume(byte[]... acks) {
        return new Action(Kind.RESUME, acks == null ? NO_ACKS : checkAcks(acks), null, null, 0, null);
    }

    private static byte[][] checkAcks(byte[][] acks) {
        for (byte[] ack : acks) {
            if (ack == null) {
                throw new IllegalArgumentException("An ack must not be null");
            }
        }
        return acks;
    }

    private static String checkSql(String sql) {
        if (sql == null || sql.isBlank()) {
            throw new IllegalArgumentException("The query must not be empty");
        }
        return sql;
    }

    private static Duration checkTimeout(Duration timeout) {
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new IllegalArgumentException("The query timeout must be positive, was " + timeout);
        }
        return timeout;
    }

    public Kind kind() {
        return kind;
    }

    /** The acks to send first (shared, do not modify). */
    public byte[][] acks() {
        return acks;
    }

    /** The SQL of a query or stream, else {@code null}. */
    public String sql() {
        return sql;
    }

    /** The query timeout, or {@code null} for the connection's default. */
    public Duration timeout() {
        return timeout;
    }

    /** The batch size of a stream, else 0. */
    public int maxMessages() {
        return maxMessages;
    }

    /** The reason of a disconnect or standby, else {@code null}. */
    public String reason() {
        return reason;
    }

    @Override
    public String toString() {
        return switch (kind) {
            case NO_REPLY, PAUSE, RESUME -> kind + (acks.length == 0 ? "" : "(" + acks.length + " acks)");
            case QUERY -> "QUERY(" + sql + ")";
            case STREAM -> "STREAM(" + sql + ", maxMessages=" + maxMessages + ")";
            case DISCONNECT, STANDBY -> kind + "(" + reason + ")";
        };
    }
}
