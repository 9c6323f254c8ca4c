package io.github.pgrepl.internal.session;

import io.github.pgrepl.ConnectionLostException;
import io.github.pgrepl.Lsn;
import io.github.pgrepl.ReplicationMessages;
import io.github.pgrepl.internal.protocol.CopyDataLayout;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Half-open detection for one session's replication stream: hearing nothing for longer than the allowed silence
 * means the socket is half-open (a dead peer, a cut cable, a stalled proxy). While the stream is not read (paused,
 * or messages wait to be delivered), silence proves nothing and is not counted.
 *
 * <p>A healthy stream can be silent, though: the walsender sends keepalives only when a reply is overdue or the
 * client lags, so a client that confirms what it got on a timer, without asking for a reply, hears nothing from an
 * idle server. Before presuming the stream dead, the watch therefore asks the server for a reply itself, once half
 * the allowed silence has passed: a standby status update with reply-requested, carrying the positions of the last
 * one the handler sent in this session (zero, which the server ignores, when it sent none), never positions of its
 * own making. A live server answers with a keepalive; a half-open socket stays silent and is lost.
 */
final class SilenceWatch {

    private final String where;
    private final Duration timeout;
    private final ReceiveStats stats;
    private final LongSupplier clock;
    private final BooleanSupplier listening;
    private final Consumer<byte[]> send;
    private final Consumer<ConnectionLostException> lost;
    private long lastActivityMillis;
    /** When this silence was last asked about, or 0. */
    private long probedAtMillis;
    /** The positions of the handler's last status update in this session: written, flushed, applied. */
    private long written;
    private long flushed;
    private long applied;
    private ScheduledFuture<?> check;

    /**
     * The silence allowed: {@code configured} ({@link Duration#ZERO}: none is checked), or by default twice the
     * server's {@code wal_sender_timeout}; {@code null} when nothing is to be checked.
     */
    static Duration allowedSilence(Duration configured, Duration walSenderTimeout) {
        if (configured != null) {
            return configured.isZero() ? null : configured;
        }
        return walSenderTimeout == null || walSenderTimeout.isZero() ? null : walSenderTimeout.multipliedBy(2);
    }

    /**
     * @param clock milliseconds, the clock {@code stats} records message arrivals by
     * @param listening whether the stream is being read (only then does silence count)
     * @param send writes a status update to the stream
     * @param lost what to do with the reason when the stream was silent too long
     */
    SilenceWatch(String where, Duration timeout, ReceiveStats stats, LongSupplier clock, BooleanSupplier listening,
                 Consumer<byte[]> send, Consumer<ConnectionLostException> lost) {
        this.where = where;
        this.timeout = timeout;
        this.stats = stats;
        this.clock = clock;
        this.listening = listening;
        this.send = send;
        this.lost = lost;
        this.lastActivityMillis = clock.getAsLong();
    }

    /** Checks a few times per allowed silence, on {@code loop}. */
    void start(EventLoop loop) {
        lastActivityMillis = clock.getAsLong();
        long period = Math.max(timeout.toMillis() / 4, 50);
        check = loop.scheduleAtFixedRate(this::check, period, period, TimeUnit.MILLISECONDS);
    }

    void stop() {
        if (check != null) {
            check.cancel(false);
        }
    }

    /** The handler sent {@code ack}: a standby status update's positions are what a later probe repeats. */
    void sent(byte[] ack) {
        if (CopyDataLayout.isStandbyStatusUpdate(ack)) {
            ByteBuffer update = ByteBuffer.wrap(ack);
            written = update.getLong(CopyDataLayout.STATUS_WRITTEN);
            flushed = update.getLong(CopyDataLayout.STATUS_FLUSHED);
            applied = update.getLong(CopyDataLayout.STATUS_APPLIED);
        }
    }

    void check() {
        long now = clock.getAsLong();
        if (!listening.getAsBoolean()) {
            lastActivityMillis = Math.max(lastActivityMillis, now - 1);
            return;
        }
        long heardAt = Math.max(lastActivityMillis, stats.lastMessageAtMillis());
        long silentFor = now - heardAt;
        if (silentFor > timeout.toMillis()) {
            lost.accept(new ConnectionLostException("No message from " + where + " for " + silentFor + " ms (allowed "
                    + timeout.toMillis() + " ms, twice wal_sender_timeout unless set), not even a reply to a status update"
                    + " that asked for one: the connection is presumed dead (half-open) and is closed"));
        } else if (silentFor * 2 >= timeout.toMillis() && probedAtMillis <= heardAt) {
            probedAtMillis = now;
            send.accept(ReplicationMessages.standbyStatusUpdate(Lsn.of(written), Lsn.of(flushed), Lsn.of(applied), true));
        }
    }
}
