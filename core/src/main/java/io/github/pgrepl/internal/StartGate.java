package io.github.pgrepl.internal;

import io.github.pgrepl.ConnectionConfig;
import io.github.pgrepl.ReplicationException;
import io.github.pgrepl.internal.util.Durations;
import io.netty.channel.EventLoop;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * What a synchronous start waits for: the first connection settled (connected with nothing under way, a
 * running stream, or a standby), or the reason it could not. Settles once; later outcomes change nothing.
 */
final class StartGate {

    private final CompletableFuture<Void> settled = new CompletableFuture<>();

    boolean isSettled() {
        return settled.isDone();
    }

    void open() {
        settled.complete(null);
    }

    void fail(Throwable reason) {
        settled.completeExceptionally(reason);
    }

    /**
     * Waits until settled, at most {@code connectTimeout} per host of the list (each may take that long to fail
     * before the next is tried); on failure (or on timeout, or interrupted) calls
     * {@code close} and throws a {@link ReplicationException} that says what to fix.
     *
     * @param loop the connection's event loop, which must not be the caller's: it would wait for itself
     * @param lastError the connection's last error, to name in a timeout's message
     */
    void await(ConnectionConfig config, EventLoop loop, Runnable close, Supplier<Throwable> lastError) {
        if (loop.inEventLoop()) {
            throw new IllegalStateException("A synchronous start cannot run on the event loop it would wait for;"
                    + " use syncConnect(false) when starting from a handler of a connection sharing the group");
        }
        int hosts = config.endpoints().size();
        String where = hosts == 1 ? config.endpoints().get(0).toString() : config.endpoints().toString();
        try {
            settled.get(config.connectTimeout().toMillis() * hosts, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            close.run();
            Throwable error = lastError.get();
            throw new ReplicationException("Could not connect to " + where + " within connectTimeout " + Durations.text(config.connectTimeout())
                    + (hosts == 1 ? "" : " per host")
                    + (error == null ? "" : " (last error: " + error.getMessage() + ")")
                    + "; check that the server is up and reachable, or raise connectTimeout");
        } catch (InterruptedException e) {
            close.run();
            Thread.currentThread().interrupt();
            throw new ReplicationException("Interrupted while connecting to " + where, e);
        } catch (ExecutionException e) {
            close.run();
            Throwable cause = e.getCause();
            throw new ReplicationException("Could not start the replication connection to " + where + ": " + cause.getMessage(),
                    cause);
        }
    }
}
