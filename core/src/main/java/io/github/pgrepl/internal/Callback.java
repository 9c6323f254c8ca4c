package io.github.pgrepl.internal;

import io.github.pgrepl.Action;

/** The callbacks of a {@code ReplicationHandler}, for messages and for what a failure of each does. */
enum Callback {
    INIT("init"),
    HANDLE_CONNECT("handleConnect"),
    HANDLE_DATA("handleData"),
    HANDLE_COPY_DONE("handleCopyDone"),
    HANDLE_INFO("handleInfo"),
    HANDLE_CALL("handleCall"),
    HANDLE_RESULT("handleResult"),
    HANDLE_DISCONNECT("handleDisconnect"),
    HANDLE_CLOSE("handleClose");

    private final String method;

    Callback(String method) {
        this.method = method;
    }

    /** The method's name, as a user finds it in {@code ReplicationHandler}. */
    String method() {
        return method;
    }

    /** A throwing callback drops the connection, but for those that run when it is going anyway. */
    boolean failureDisconnects() {
        return this != HANDLE_DISCONNECT && this != HANDLE_CLOSE;
    }

    /** The action a callback returned, refusing {@code null}. */
    Action checked(Action action) {
        if (action == null) {
            throw new NullPointerException(method + " returned null; return Action.noReply() to do nothing");
        }
        return action;
    }
}
