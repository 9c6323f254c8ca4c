package io.github.pgrepl.internal.session;

import io.github.pgrepl.Action;
import io.github.pgrepl.ConnectionConfig;
import io.github.pgrepl.ConnectionLostException;
import io.github.pgrepl.PgException;
import io.github.pgrepl.ReplicationException;
import io.github.pgrepl.internal.protocol.ErrorResponses;
import io.github.pgrepl.internal.protocol.FrameInbox;
import io.github.pgrepl.internal.protocol.FrontendMessages;
import io.github.pgrepl.internal.util.Durations;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.util.ReferenceCountUtil;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One socket of a replication connection, from the end of startup to its close: the last handler of the
 * channel's pipeline. It runs one query or stream at a time ({@link #query}, {@link #stream}), sends acks
 * ({@link #send}), stops and resumes reading ({@link #hold}, {@link #release}) and tells its
 * {@link SessionListener} what happened. A reconnect makes a new session: nothing here is ever reset.
 *
 * <p>Socket bytes go into an inbox ({@link FrameInbox}), taken apart into messages as they are drained. A
 * hold stops draining it and turns Netty's autoRead off, so the kernel buffer fills and TCP holds the
 * walsender; what one read already brought stays held, in order, until the last hold is released. Reading
 * is also off while messages of a read wait for a later turn (after {@code maxMessages} of a stream, so that
 * the connection's timers and calls get theirs) and, on a busy stream, for the read interval.
 *
 * <p>Confined to the channel's event loop.
 */
public final class ReplicationSession extends ChannelInboundHandlerAdapter {

    /** The log category of the connection's machinery, as users know it from earlier versions. */
    public static final String LOG_CATEGORY = "io.github.pgrepl.ReplicationConnection";

    private static final Logger log = LoggerFactory.getLogger(LOG_CATEGORY);
    private static final byte COPY_DATA = 'd';

    private final String name;
    private final String where;
    private final SessionInfo info;
    private final SessionListener listener;
    private final ReceiveStats stats;
    private final FrameInbox inbox;
    private final long minReadIntervalNanos;

    private Channel channel;
    private SessionPhase phase = SessionPhase.READY;
    /** The running query or stream, from its Query message to its ReadyForQuery. */
    private RunningQuery operation;
    private boolean copyBoth;
    private int maxMessages = Action.DEFAULT_MAX_MESSAGES;
    /** Bits of the {@link ReadHold}s in force. */
    private int holds;
    private boolean autoRead = true;
    /** A drain runs in a later turn of the loop: reading waits for it. */
    private boolean drainScheduled;
    /** Reading is off until the stream's minimum read interval has passed since the last read. */
    private boolean napping;
    /** A FATAL error the server sent: the reason to report when it closes the socket next. */
    private PgException fatalError;
    private SilenceWatch silence;

    /**
     * @param config the connection's settings (its name for messages, message size, read interval)
     * @param info what startup learned about this session
     * @param stats where the connection counts what its sessions received
     */
    public ReplicationSession(ConnectionConfig config, SessionInfo info, SessionListener listener, ReceiveStats stats) {
        this.name = config.name();
        this.where = info.endpoint().toString();
        this.info = info;
        this.listener = listener;
        this.stats = stats;
        this.inbox = new FrameInbox(config.maxMessageSize());
        this.minReadIntervalNanos = config.minReadInterval().toNanos();
    }

    public SessionInfo info() {
        return info;
    }

    public SessionPhase phase() {
        return phase;
    }

    // ---------------------------------------------------------------- commands

    /**
     * Sends one simple-protocol query; its outcome comes to {@link SessionListener#onResult}. Without an answer
     * within {@code timeout} ({@code null}: none, the query ends with the socket) the session is lost.
     *
     * @throws ReplicationException when a stream is in progress (the stream goes on), or when the session is
     *     not ready for a query
     */
    public void query(String sql, Duration timeout) {
        start(false, sql, timeout, Action.DEFAULT_MAX_MESSAGES);
    }

    /**
     * Sends a query that starts a stream ({@code START_REPLICATION}, {@code COPY ... TO STDOUT}); once it does
     * ({@link SessionListener#onStreamStarted}), at most {@code maxMessages} CopyData go to the listener per
     * turn of the loop. {@code timeout} bounds the wait for the stream to start.
     *
     * @throws ReplicationException as {@link #query} does
     */
    public void stream(String sql, Duration timeout, int maxMessages) {
        start(true, sql, timeout, maxMessages);
    }

    private void start(boolean stream, String sql, Duration timeout, int batch) {
        if (phase == SessionPhase.STREAMING || phase == SessionPhase.STREAM_ENDING) {
            throw new ReplicationException("Cannot start " + describe(stream, sql) + ": stream in progress. A connection runs"
                    + " one stream at a time; the running stream goes on");
        }
        if (phase != SessionPhase.READY) {
            throw new ConnectionLostException("Cannot start " + describe(stream, sql) + ": not connected (session "
                    + phase + ")");
        }
        RunningQuery op = new RunningQuery(sql, batch);
        operation = op;
        phase = SessionPhase.QUERY;
        if (timeout != null) {
            op.timeout = channel.eventLoop().schedule(() -> onQueryTimeout(op, timeout), timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
        channel.writeAndFlush(FrontendMessages.query(channel.alloc(), sql)).addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
    }

    /** How a query or stream is named in messages: its kind and its SQL, on one line, abbreviated. */
    public static String describe(boolean stream, String sql) {
        return RunningQuery.describe(stream, sql);
    }

    /**
     * Writes each ack as a CopyData message of the running replication stream.
     *
     * @return false, writing nothing, when no CopyBoth stream runs (acks have nowhere to go then)
     */
    public boolean send(List<byte[]> acks) {
        if (phase != SessionPhase.STREAMING || !copyBoth) {
            return false;
        }
        for (byte[] ack : acks) {
            channel.write(FrontendMessages.copyData(channel.alloc(), ack)).addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
            if (silence != null) {
                silence.sent(ack);
            }
        }
        channel.flush();
        return true;
    }

    /** Stops delivering the stream and reading the socket until {@code hold} is released; holding twice is harmless. */
    public void hold(ReadHold hold) {
        int bit = 1 << hold.ordinal();
        if ((holds & bit) == 0) {
            holds |= bit;
            updateAutoRead();
        }
    }

    /**
     * Releases {@code hold}; when no other hold is left, the held messages are delivered in order (in a later turn
     * of the loop), then the socket is read again. Releasing what is not held is harmless.
     */
    public void release(ReadHold hold) {
        int bit = 1 << hold.ordinal();
        if ((holds & bit) == 0) {
            return;
        }
        holds &= ~bit;
        if (holds != 0) {
            return; // another hold stays
        }
        if (inbox.isEmpty()) {
            updateAutoRead();
        } else {
            scheduleDrain(); // held messages first, in order; reading starts once they are delivered
        }
    }

    /**
     * Loses the session when its stream stays silent longer than {@code configured} ({@link Duration#ZERO}: never), by
     * default twice {@code walSenderTimeout} (the server's, as last learned, or {@code null}); see {@link SilenceWatch}.
     */
    public void watchForSilence(Duration configured, Duration walSenderTimeout) {
        Duration allowed = SilenceWatch.allowedSilence(configured, walSenderTimeout);
        if (allowed != null && phase != SessionPhase.CLOSED) {
            // The probe, a status update the watch asks for a reply with, is one more ack of the running stream.
            silence = new SilenceWatch(where, allowed, stats, System::currentTimeMillis, this::readingStream,
                    probe -> send(List.of(probe)), this::lose);
            silence.start(channel.eventLoop());
        }
    }

    /** Whether a replication stream runs and is read: only then may it not be silent. */
    private boolean readingStream() {
        return phase == SessionPhase.STREAMING && copyBoth && holds == 0 && !inbox.hasMessage();
    }

    /** Closes the socket (Terminate first, when it is open) and releases what the session holds; idempotent. */
    public void terminate() {
        if (phase == SessionPhase.CLOSED) {
            return;
        }
        phase = SessionPhase.CLOSED;
        if (silence != null) {
            silence.stop();
        }
        if (operation != null) {
            operation.cancelTimeout();
        }
        operation = null;
        inbox.release();
        Channel ch = channel;
        if (ch == null) {
            return; // never in a pipeline
        }
        if (ch.isActive()) {
            ch.writeAndFlush(FrontendMessages.terminate(ch.alloc())).addListener(ChannelFutureListener.CLOSE);
            ch.eventLoop().schedule(() -> ch.close(), 1, TimeUnit.SECONDS); // in case the write never completes
        } else {
            ch.close();
        }
    }

    /** Terminates the session and tells the listener why. */
    private void lose(Throwable reason) {
        if (phase != SessionPhase.CLOSED) {
            terminate();
            listener.onLost(reason);
        }
    }

    // ---------------------------------------------------------------- the channel's events

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        inbox.release(); // the channel is gone; terminate() has normally released it already
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws TooLongFrameException {
        if (phase == SessionPhase.CLOSED) {
            ReferenceCountUtil.release(msg);
            return;
        }
        inbox.append(ctx.alloc(), (ByteBuf) msg); // throws on an impossible length: exceptionCaught loses the session
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (phase == SessionPhase.CLOSED) {
            return;
        }
        stats.messageArrived(System.currentTimeMillis());
        if (!drainScheduled) {
            drain();
        }
        napAfterRead();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        channelGone(null);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        channelGone(cause);
    }

    private void channelGone(Throwable cause) {
        if (phase == SessionPhase.CLOSED) {
            return;
        }
        Throwable reason;
        if (fatalError != null) {
            reason = fatalError;
        } else if (cause instanceof ReplicationException) {
            reason = cause;
        } else if (cause instanceof DecoderException && cause.getCause() == null) {
            reason = new ReplicationException(cause.getMessage(), cause);
        } else if (cause != null) {
            reason = new ConnectionLostException("Connection to " + where + " failed: " + StartupHandler.rootMessage(cause), cause);
        } else {
            reason = new ConnectionLostException("The server at " + where + " closed the connection");
        }
        lose(reason);
    }

    // ---------------------------------------------------------------- reading

    private void scheduleDrain() {
        if (!drainScheduled) {
            drainScheduled = true;
            updateAutoRead();
            channel.eventLoop().execute(this::drain);
        }
    }

    /** Takes messages from the inbox and acts on each, until none is whole, a hold stops the stream, or the batch is full. */
    private void drain() {
        drainScheduled = false;
        if (phase == SessionPhase.CLOSED) {
            return;
        }
        int delivered = 0;
        while (inbox.hasMessage()) {
            if (phase == SessionPhase.STREAMING) {
                if (holds != 0) {
                    break;
                }
                if (delivered >= maxMessages) {
                    scheduleDrain(); // let timers and calls in before the next batch
                    break;
                }
            }
            try {
                byte type = inbox.next();
                if (type == COPY_DATA) {
                    onCopyData();
                    delivered++;
                } else {
                    process(type);
                }
            } catch (TooLongFrameException e) {
                lose(new ReplicationException(e.getMessage(), e));
                return;
            } catch (RuntimeException e) {
                lose(e instanceof ReplicationException ? e : new ReplicationException("Protocol error: " + e.getMessage(), e));
                return;
            }
            if (phase == SessionPhase.CLOSED) {
                return; // lost or terminated meanwhile; the inbox was released
            }
        }
        inbox.compact();
        stats.publish();
        updateAutoRead();
    }

    /**
     * While streaming, reading stays off for {@link ConnectionConfig#minReadInterval()} after each read, so
     * that what arrives meanwhile is read at once (see there for why).
     */
    private void napAfterRead() {
        if (minReadIntervalNanos > 0 && phase == SessionPhase.STREAMING && autoRead && !napping) {
            napping = true;
            updateAutoRead();
            channel.eventLoop().schedule(this::wakeUp, minReadIntervalNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void wakeUp() {
        if (phase != SessionPhase.CLOSED && napping) {
            napping = false;
            updateAutoRead();
        }
    }

    /** Reads the socket unless a hold stops the stream, messages wait for a drain, or the read interval runs. */
    private void updateAutoRead() {
        boolean wanted = !(holds != 0 && phase == SessionPhase.STREAMING) && !inbox.hasMessage() && !drainScheduled && !napping;
        if (phase != SessionPhase.CLOSED && wanted != autoRead) {
            autoRead = wanted;
            channel.config().setAutoRead(wanted);
        }
    }

    // ---------------------------------------------------------------- messages

    /** One message {@link FrameInbox#next} took (not CopyData); its body is the inbox's until the next. */
    private void process(byte type) {
        switch (type) {
            case 'W' -> onCopyStart(true);
            case 'H' -> onCopyStart(false);
            case 'G' -> channel.writeAndFlush(FrontendMessages.copyFail(channel.alloc(), "COPY FROM STDIN is not supported by pgrepl"));
            case 'c' -> onCopyDone();
            case 'T' -> requireOperation(type).results.rowDescription(inbox.body());
            case 'D' -> requireOperation(type).results.dataRow(inbox.body());
            case 'C' -> requireOperation(type).results.commandComplete(inbox.body());
            case 'I' -> requireOperation(type);
            case 'E' -> onError(ErrorResponses.exception(inbox.body()));
            case 'N' -> log.info("[{}] server notice: {}", name, ErrorResponses.notice(inbox.body()));
            case 'S' -> {
                ByteBuf body = inbox.body();
                SessionSettings.checkReported(FrontendMessages.readCString(body), FrontendMessages.readCString(body));
            }
            case 'A', 'K' -> {
                // notifications do not concern replication
            }
            case 'Z' -> onReadyForQuery();
            default -> throw new ReplicationException("Protocol error: unexpected message '" + (char) type + "' in phase " + phase);
        }
    }

    private RunningQuery requireOperation(byte type) {
        if (operation == null) {
            throw new ReplicationException("Protocol error: message '" + (char) type + "' arrived with no query running");
        }
        return operation;
    }

    private void onCopyData() {
        if (phase != SessionPhase.STREAMING) {
            throw new ReplicationException("Protocol error: CopyData arrived outside a stream (phase " + phase + ")");
        }
        int length = inbox.bodyLength();
        stats.copyData(length);
        if (copyBoth) {
            stats.trackPositions(inbox, length);
        }
        // The view goes straight on as a parameter, through no lambda and no field: once per message, the JIT
        // then keeps it off the heap when it inlines the handler here (benchmarks/README.md).
        listener.onCopyData(inbox.bodyView());
    }

    private void onCopyStart(boolean both) {
        RunningQuery op = requireOperation(both ? (byte) 'W' : (byte) 'H');
        op.cancelTimeout();
        phase = SessionPhase.STREAMING;
        copyBoth = both;
        maxMessages = op.maxMessages;
        listener.onStreamStarted();
    }

    private void onCopyDone() {
        if (phase == SessionPhase.STREAMING) {
            if (copyBoth) {
                channel.writeAndFlush(FrontendMessages.copyDone(channel.alloc()));
            }
            phase = SessionPhase.STREAM_ENDING;
        }
    }

    private void onError(PgException error) {
        if (error.isFatal()) {
            fatalError = error;
        }
        if (operation != null) {
            operation.failed(error);
        } else {
            log.warn("[{}] server error outside a query: {}", name, error.getMessage());
            listener.onServerError(error);
        }
        if (phase == SessionPhase.STREAMING) {
            phase = SessionPhase.STREAM_ENDING;
        }
    }

    private void onReadyForQuery() {
        SessionPhase previous = phase;
        RunningQuery op = operation;
        operation = null;
        phase = SessionPhase.READY;
        copyBoth = false;
        if (op == null) {
            return;
        }
        op.cancelTimeout();
        if (previous == SessionPhase.QUERY || op.error != null) {
            listener.onResult(op.outcome()); // a query's, or a stream's that failed to start or ended with an error
        } else {
            listener.onCopyDone();
        }
    }

    private void onQueryTimeout(RunningQuery op, Duration timeout) {
        if (operation == op && phase == SessionPhase.QUERY) {
            lose(new ReplicationException("The query '" + RunningQuery.abbreviate(op.sql) + "' got no answer within "
                    + Durations.text(timeout) + "; the connection was closed. Raise the query timeout if the query is legitimately slow"));
        }
    }

    @Override
    public String toString() {
        return "ReplicationSession[" + name + " " + where + ", pid " + info.backendPid() + ", " + phase + "]";
    }
}
