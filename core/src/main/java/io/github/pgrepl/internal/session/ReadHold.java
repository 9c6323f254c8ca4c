package io.github.pgrepl.internal.session;

/**
 * Who asked a session to stop reading its stream. Each hold lasts until its own release; the stream is read
 * again once none is left, so an operator's hold outlasts the handler's resume. Holds matter only while a
 * stream runs: queries and their results are always read.
 */
public enum ReadHold {
    /** The handler returned {@code noReplyAndPause}; its {@code noReplyAndResume} releases it. */
    HANDLER,
    /** {@code ReplicationConnection.pause()}; the connection holds every new session with it until {@code resume()}. */
    OPERATOR
}
