package io.github.pgrepl.internal;

import io.github.pgrepl.internal.session.ReadHold;
import io.github.pgrepl.internal.session.ReplicationSession;

import java.util.EnumSet;
import java.util.Set;

/**
 * Who pauses a connection's stream, across its sessions: the handler (until it resumes, or its session ends)
 * and an operator (until they resume, whatever the sessions). Each pause holds the current session and every
 * new one, and shows in the status as paused since the first began. Confined to the connection's event loop.
 */
final class Pauses {

    private final StatusRecorder status;
    private final Set<ReadHold> holds = EnumSet.noneOf(ReadHold.class);

    Pauses(StatusRecorder status) {
        this.status = status;
    }

    /** Pauses for {@code who}, holding {@code session} if there is one; false when {@code who} already paused. */
    boolean pause(ReadHold who, ReplicationSession session) {
        if (!holds.add(who)) {
            return false;
        }
        status.paused(true);
        if (session != null) {
            session.hold(who);
        }
        return true;
    }

    /** Ends the pause of {@code who}; another's stays. False when {@code who} did not pause. */
    boolean resume(ReadHold who, ReplicationSession session) {
        if (!holds.remove(who)) {
            return false;
        }
        status.paused(!holds.isEmpty());
        if (session != null) {
            session.release(who);
        }
        return true;
    }

    /** A new session: held by every pause in force (the handler's, when it paused while disconnected). */
    void holdNew(ReplicationSession session) {
        for (ReadHold hold : holds) {
            session.hold(hold);
        }
    }

    /** The session ended: so does the handler's pause; an operator's goes on, counted from now. */
    void sessionEnded() {
        holds.remove(ReadHold.HANDLER);
        status.pauseRestarted(!holds.isEmpty());
    }
}
