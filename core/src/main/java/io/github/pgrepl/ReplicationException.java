package io.github.pgrepl;

/**
 * The root of pgrepl's failures. Its message says what went wrong and, where there is one, the fix;
 * it never holds a password.
 */
public class ReplicationException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ReplicationException(String message) {
        super(message);
    }

    public ReplicationException(String message, Throwable cause) {
        super(message, cause);
    }
}
