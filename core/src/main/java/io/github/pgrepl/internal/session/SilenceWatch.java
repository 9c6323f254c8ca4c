package io.github.pgrepl.internal.session;

import io.github.pgrepl.ConnectionLostException;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Half-open detection for one session's replication stream. A walsender sends a keepalive at least every half
 * {@code wal_sender_timeout}, so hearing nothing for longer than the allowed silence means the socket is
 * half-open (a dead peer, a cut cable, a stalled proxy). While the stream is not read (paused, or messages wait
 * to be delivered), silence proves nothing and is not counted.
 */
final class SilenceWatch {

    private final String where;
    private final Duration timeout;
    private final ReceiveStats stats;
    private long lastActivityMillis;
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

    SilenceWatch(String where, Duration timeout, ReceiveStats stats) {
        this.where = where;
        this.timeout = timeout;
        this.stats = stats;
    }

    /**
     * Checks a few times per allowed silence, on {@code loop}.
     *
     * @param listening whether the stream is being read (only then does silence count)
     * @param lost what to do with the reason when the stream was silent too long
     */
    void start(EventLoop loop, BooleanSupplier listening, Consumer<ConnectionLostException> lost) {
        lastActivityMillis = System.currentTimeMillis();
        long period = Math.max(timeout.toMillis() / 4, 50);
        check = loop.scheduleAtFixedRate(() -> check(listening, lost), period, period, TimeUnit.MILLISECONDS);
    }

    void stop() {
        if (check != null) {
            check.cancel(false);
        }
    }

    private void check(BooleanSupplier listening, Consumer<ConnectionLostException> lost) {
        if (!listening.getAsBoolean()) {
            lastActivityMillis = Math.max(lastActivityMillis, System.currentTimeMillis() - 1);
            return;
        }
        long silentFor = System.currentTimeMillis() - Math.max(lastActivityMillis, stats.lastMessageAtMillis());
        if (silentFor > timeout.toMillis()) {
            lost.accept(new ConnectionLostException("No message from " + where + " for " + silentFor + " ms (allowed "
                    + timeout.toMillis() + " ms, twice wal_sender_timeout unless set): the connection is presumed dead"
                    + " (half-open) and is closed"));
        }
    }
}
