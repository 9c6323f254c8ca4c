package io.github.pgrepl;

/** The connection went away while something waited for it, e.g. a pending {@code call}. */
public class ConnectionLostException extends ReplicationException {

    private static final long serialVersionUID = 1L;

    public ConnectionLostException(String message) {
        super(message);
    }

    public ConnectionLostException(String message, Throwable cause) {
        super(message, cause);
    }
}
