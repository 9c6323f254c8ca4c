package io.github.pgrepl.pgoutput;

import io.github.pgrepl.Lsn;

import java.util.function.UnaryOperator;

/**
 * Where a {@link PgOutputHandler}'s stream stands: where a stream starts so that a reconnect hands the listener no
 * transaction twice, which events to skip when the server sends one again anyway, and what a status update may confirm.
 * Confined to the connection's thread.
 *
 * <p>A transaction is handed over at its last message: {@code Commit}, and for streamed and two-phase transactions
 * {@code StreamCommit}, {@code StreamPrepare}, {@code Prepare}, {@code CommitPrepared} and {@code RollbackPrepared}.
 * Each moves the position a new stream starts from past it; the server then sends none of them again (it decodes
 * from the slot's {@code restart_lsn}, but skips what ends before the start). Were it {@code Commit} alone, a
 * reconnect while a streamed or prepared transaction waits in the queue, unconfirmed, would deliver it twice: a
 * listener that runs {@code PREPARE TRANSACTION} with its gid would fail on the second.
 *
 * <p>A session can also end in the middle of a transaction the listener is being handed: the server sends it again
 * whole, with the same changes in the same order (decoding is deterministic for a given WAL, on a promoted standby
 * too). The listener then gets it once: the {@code Begin} and the changes it had are skipped, the rest follows as if
 * nothing had happened. {@code Relation} and {@code TypeInfo} messages are not counted (a new session sends them again
 * wherever it needs them). A streamed transaction interrupted before its end is streamed again from its first segment
 * (as PostgreSQL's own apply worker expects): its listener discards what it held of it.
 *
 * <p>No status update confirms less than the slot had confirmed when the stream started: after a restart the
 * walsender reads again from {@code restart_lsn}, and a keepalive meanwhile carries a position below
 * {@code confirmed_flush_lsn}, which a server without the upstream guard takes, moving the slot back (and later
 * sending again what was confirmed).
 */
final class StreamPositions {

    /** The end of the last transaction handed to the listener in this run. */
    private Lsn queuedEnd = Lsn.ZERO;
    /** What the slot had confirmed when the last stream started: status updates never go below it. */
    private Lsn startConfirmed = Lsn.ZERO;
    /** The flush position of the last status update: never sent lower again. */
    private Lsn lastFlushed = Lsn.ZERO;
    /** The server's position, taken from a keepalive while nothing was in flight. */
    private Lsn idleConfirmed = Lsn.ZERO;
    private boolean inTransaction;
    private boolean skipping;
    /** The transaction being handed over in this session, from its {@code Begin} or {@code BeginPrepare} to its end. */
    private Partial current;
    /** The transaction the last session ended in the middle of: how much of it the listener had. */
    private Partial interrupted;
    /** Changes of the interrupted transaction, sent again, that the listener had already: not handed over again. */
    private int resumeSkips;

    /** A transaction handed over in part: where its commit (or prepare) record starts, its xid, how many changes. */
    private static final class Partial {
        final Lsn at;
        final long xid;
        int changes;

        Partial(Lsn at, long xid) {
            this.at = at;
            this.xid = xid;
        }
    }

    /**
     * A stream starts from the slot, which had confirmed {@code slotConfirmed}; returns where: after what this run
     * handed over already, or the slot's position when that is later.
     */
    Lsn start(Lsn slotConfirmed) {
        startConfirmed = Lsn.max(startConfirmed, slotConfirmed);
        return Lsn.max(slotConfirmed, queuedEnd);
    }

    /** The session ended: a transaction it was in the middle of comes again whole. */
    void sessionEnded() {
        if (inTransaction && !skipping && current != null) {
            interrupted = current;
        }
        inTransaction = false;
        skipping = false;
        current = null;
        resumeSkips = 0;
    }

    /**
     * Whether {@code event} was handed to the listener before, and the server sends it again (a server that started
     * earlier than asked, or a transaction a session ended in the middle of): then it is not delivered.
     */
    boolean alreadyQueued(ChangeEvent event) {
        if (event instanceof ChangeEvent.Begin begin) {
            return begin(begin.finalLsn(), begin.xid());
        } else if (event instanceof ChangeEvent.BeginPrepare begin) {
            return begin(begin.prepareLsn(), begin.xid());
        } else if (event instanceof ChangeEvent.Commit || event instanceof ChangeEvent.Prepare) {
            inTransaction = false;
            current = null;
            resumeSkips = 0;
            boolean skipped = skipping;
            skipping = false;
            return skipped;
        }
        if (skipping) {
            return true;
        }
        if (current != null && isChange(event)) {
            if (resumeSkips > 0) {
                resumeSkips--;
                return true;
            }
            current.changes++;
        }
        return false;
    }

    private boolean begin(Lsn at, long xid) {
        inTransaction = true;
        current = null;
        resumeSkips = 0;
        skipping = at.isBefore(queuedEnd);
        if (skipping) {
            return true;
        }
        Partial resumed = interrupted;
        interrupted = null; // the next transaction is the interrupted one, or it does not come again in this shape
        if (resumed != null && resumed.at.equals(at) && resumed.xid == xid) {
            current = resumed;
            resumeSkips = resumed.changes;
            return true; // the listener has its Begin
        }
        current = new Partial(at, xid);
        return false;
    }

    /** A change of a transaction, sent every time the transaction is (unlike {@code Relation} and {@code TypeInfo}). */
    private static boolean isChange(ChangeEvent event) {
        return event instanceof ChangeEvent.Insert || event instanceof ChangeEvent.Update
                || event instanceof ChangeEvent.Delete || event instanceof ChangeEvent.Truncate
                || event instanceof ChangeEvent.Origin
                || event instanceof ChangeEvent.LogicalMessage message && message.transactional();
    }

    /**
     * {@code event} goes to the listener; returns the position its return confirms (the end of a transaction's last
     * message), or {@code null}.
     */
    Lsn queued(ChangeEvent event) {
        Lsn end = transactionEnd(event);
        if (end != null) {
            queuedEnd = Lsn.max(queuedEnd, end);
        }
        return end;
    }

    /** A keepalive: with nothing in flight (and no listener's limit) the slot may move on to the server's position. */
    void keepalive(Lsn walEnd, boolean mayMoveOn) {
        if (!inTransaction && mayMoveOn && walEnd.isAfter(idleConfirmed)) {
            idleConfirmed = walEnd;
        }
    }

    /**
     * What the next status update confirms, given what the listener processed and how far it lets the slot move
     * ({@code limit}, or {@code null}): never less than the last update (what was safe stays safe), nor than where the
     * stream started; zero before any start, which the server ignores.
     */
    Lsn flushed(Lsn processed, Lsn limit) {
        return flushed(processed, UnaryOperator.identity(), limit);
    }

    /** As {@link #flushed(Lsn, Lsn)}, with what may be confirmed first {@code held} back (by a running snapshot). */
    Lsn flushed(Lsn processed, UnaryOperator<Lsn> held, Lsn limit) {
        Lsn flushed = held.apply(Lsn.max(processed, idleConfirmed));
        if (limit != null && limit.isBefore(flushed)) {
            flushed = limit;
        }
        lastFlushed = Lsn.max(Lsn.max(flushed, lastFlushed), startConfirmed);
        return lastFlushed;
    }

    /**
     * What this run handed over, or confirmed while idle: what a lost slot loses after. Part of a transaction counts:
     * its changes are lost with a timeline that does not have its commit record (which starts at {@code at}).
     */
    Lsn delivered() {
        Lsn delivered = Lsn.max(queuedEnd, idleConfirmed);
        Partial partial = current != null ? current : interrupted;
        return partial == null ? delivered : Lsn.max(delivered, partial.at.plus(1));
    }

    /** The end of a transaction's last message, else {@code null}. */
    private static Lsn transactionEnd(ChangeEvent event) {
        if (event instanceof ChangeEvent.Commit commit) {
            return commit.endLsn();
        } else if (event instanceof ChangeEvent.StreamCommit commit) {
            return commit.endLsn();
        } else if (event instanceof ChangeEvent.Prepare prepare) {
            return prepare.endLsn();
        } else if (event instanceof ChangeEvent.StreamPrepare prepare) {
            return prepare.endLsn();
        } else if (event instanceof ChangeEvent.CommitPrepared commit) {
            return commit.endLsn();
        } else if (event instanceof ChangeEvent.RollbackPrepared rollback) {
            return rollback.rollbackEndLsn();
        }
        return null;
    }
}
