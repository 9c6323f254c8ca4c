package io.github.pgrepl.spring.listener;

/**
 * A transaction listener's transaction holds more than {@code listener.transaction-max-bytes}: it is not collected
 * (which could exhaust the heap) and the listener is not called. The error handler decides what then happens, as for
 * any failing listener; by default the connection retries and stays DOWN until the bound is raised and the
 * application restarted, or the listener is changed to take one change at a time.
 */
public class TransactionTooLargeException extends RuntimeException {

    public TransactionTooLargeException(String message) {
        super(message);
    }
}
