package io.github.pgrepl;

import io.github.pgrepl.internal.util.Durations;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What a {@link ReplicationHandler} callback asks the connection to do next: the Java form of the return
 * tuples of Postgrex's ReplicationConnection callbacks ({@code {:noreply, ack, state}}, {@code {:query, ...}},
 * {@code {:stream, ...}}, {@code {:disconnect, reason}}) and of the pause/resume extension
 * ({@code {:noreply_and_pause, ...}}, {@code {:noreply_and_resume, ...}}) described in
 * {@code ../shared/seeds/000_5bd7cbeb73906387.txt}.
 *
 * <p>Build actions with the static factories ({@link #noReply()}, {@link #query(String)}, {@link #stream(String)},
 * ...); each is one small record, so a handler that wraps another can look at what it returned with
 * {@code instanceof}. Acks are raw CopyData payloads, typically {@link ReplicationMessages#standbyStatusUpdate};
 * they are written as given (not copied), so do not change an array after returning it.
 */
public sealed interface Action
        permits Action.NoReply, Action.Query, Action.Stream, Action.Disconnect, Action.Standby, Action.NoReplyAndPause,
        Action.NoReplyAndResume {

    /** The default {@code maxMessages} of a stream: CopyData messages per batch before timers and calls run. */
    int DEFAULT_MAX_MESSAGES = 500;

    /** Do nothing. */
    static Action noReply() {
        return NoReply.NONE;
    }

    /** Send each ack as a CopyData message of the running replication stream. */
    static Action noReply(byte[]... acks) {
        return acks == null || acks.length == 0 ? NoReply.NONE : new NoReply(Arrays.asList(acks));
    }

    /** Run one simple-protocol query; its outcome goes to {@link ReplicationHandler#handleResult}. */
    static Action query(String sql) {
        return new Query(sql, null);
    }

    /**
     * As {@link #query(String)}; the connection is closed (and {@code handleDisconnect} called) when no
     * answer arrives within {@code timeout}. {@code null} means the connection's default query timeout.
     */
    static Action query(String sql, Duration timeout) {
        return new Query(sql, timeout);
    }

    /** Start a stream ({@code START_REPLICATION ...} or {@code COPY ... TO STDOUT}) in batches of 500 messages. */
    static Action stream(String sql) {
        return new Stream(sql, DEFAULT_MAX_MESSAGES);
    }

    /**
     * Start a stream; after {@code maxMessages} CopyData messages in a row, timers and calls get their
     * turn before the next batch.
     */
    static Action stream(String sql, int maxMessages) {
        return new Stream(sql, maxMessages);
    }

    /** Close the socket; {@code handleDisconnect} is called with a {@link ReplicationException} carrying the reason. */
    static Action disconnect(String reason) {
        return new Disconnect(reason);
    }

    /**
     * Close the socket; {@code handleDisconnect} is called with {@code error} itself. A
     * {@link NonTransientReplicationException} (or an error caused by one, or by a {@link PgException} that
     * retrying cannot clear) makes a connection with auto-reconnect retry at its longest backoff and report the
     * error as non-transient in its status.
     */
    static Action disconnect(ReplicationException error) {
        return new Disconnect(error.getMessage(), error);
    }

    /**
     * Close the socket and wait as a standby: another consumer holds what this one needs (typically
     * "replication slot ... is active for PID n"). With auto-reconnect the connection stays in
     * {@link ConnectionState#STANDBY}, retries with backoff and calls {@code handleConnect} again, logging
     * at most once a minute; without it, this is a {@link #disconnect}.
     */
    static Action standby(String reason) {
        return new Standby(reason);
    }

    /**
     * Send the acks, then stop reading the socket: no {@code handleData} until resumed. Timers, calls and
     * writes go on, so status updates keep {@code wal_sender_timeout} from firing while TCP backpressure
     * holds the walsender. Pausing when paused is harmless.
     */
    static Action noReplyAndPause(byte[]... acks) {
        return acks == null || acks.length == 0 ? NoReplyAndPause.NONE : new NoReplyAndPause(Arrays.asList(acks));
    }

    /**
     * Send the acks, deliver the messages held since the pause in order, then read the socket again.
     * Resuming when not paused is harmless.
     */
    static Action noReplyAndResume(byte[]... acks) {
        return acks == null || acks.length == 0 ? NoReplyAndResume.NONE : new NoReplyAndResume(Arrays.asList(acks));
    }

    /** The acks to send before anything else the action does (shared, do not modify); none for most actions. */
    default List<byte[]> acks() {
        return List.of();
    }

    /** Send the acks; see {@link #noReply(byte[]...)}. */
    record NoReply(List<byte[]> acks) implements Action {
        private static final NoReply NONE = new NoReply(List.of());

        public NoReply {
            acks = copyOf(acks);
        }

        @Override
        public String toString() {
            return "NoReply" + describe(acks);
        }
    }

    /** Run a query; see {@link #query(String, Duration)}. {@code timeout} is {@code null} for the connection's default. */
    record Query(String sql, Duration timeout) implements Action {
        public Query {
            checkSql(sql);
            if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
                throw new IllegalArgumentException("The query timeout must be positive, was " + Durations.text(timeout));
            }
        }
    }

    /** Start a stream; see {@link #stream(String, int)}. */
    record Stream(String sql, int maxMessages) implements Action {
        public Stream {
            checkSql(sql);
            if (maxMessages < 1) {
                throw new IllegalArgumentException("maxMessages must be at least 1, was " + maxMessages);
            }
        }
    }

    /**
     * Close the socket; see {@link #disconnect(String)} and {@link #disconnect(ReplicationException)}. {@code error}
     * is the handler's own exception, or {@code null} when it gave a reason only.
     */
    record Disconnect(String reason, ReplicationException error) implements Action {
        public Disconnect {
            Objects.requireNonNull(reason, "reason");
        }

        public Disconnect(String reason) {
            this(reason, null);
        }
    }

    /** Close the socket and stand by; see {@link #standby(String)}. */
    record Standby(String reason) implements Action {
        public Standby {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** Send the acks, then stop reading; see {@link #noReplyAndPause(byte[]...)}. */
    record NoReplyAndPause(List<byte[]> acks) implements Action {
        private static final NoReplyAndPause NONE = new NoReplyAndPause(List.of());

        public NoReplyAndPause {
            acks = copyOf(acks);
        }

        @Override
        public String toString() {
            return "NoReplyAndPause" + describe(acks);
        }
    }

    /** Send the acks, deliver what was held, read again; see {@link #noReplyAndResume(byte[]...)}. */
    record NoReplyAndResume(List<byte[]> acks) implements Action {
        private static final NoReplyAndResume NONE = new NoReplyAndResume(List.of());

        public NoReplyAndResume {
            acks = copyOf(acks);
        }

        @Override
        public String toString() {
            return "NoReplyAndResume" + describe(acks);
        }
    }

    private static List<byte[]> copyOf(List<byte[]> acks) {
        for (byte[] ack : acks) {
            if (ack == null) {
                throw new IllegalArgumentException("An ack must not be null");
            }
        }
        return List.copyOf(acks);
    }

    private static void checkSql(String sql) {
        if (sql == null || sql.isBlank()) {
            throw new IllegalArgumentException("The query must not be empty");
        }
    }

    private static String describe(List<byte[]> acks) {
        return acks.isEmpty() ? "" : "(" + acks.size() + " acks)";
    }
}
