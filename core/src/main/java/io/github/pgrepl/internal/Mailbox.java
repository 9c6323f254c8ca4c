package io.github.pgrepl.internal;

import io.github.pgrepl.Cancellable;
import io.github.pgrepl.ReplicationException;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * How work reaches a connection's event loop: tasks posted from any thread, calls with their reply futures
 * and timeouts, timers ({@code sendAfter}), and the events that wait while the connection is busy. It keeps
 * the pending calls and timers so that a disconnect can fail the ones and a close cancel the others. The loop
 * is one of a shared group, or a thread of the connection's own that {@link #releaseLoop} stops.
 */
final class Mailbox {

    private final String name;
    private final EventLoopGroup ownedGroup;
    private final EventLoop loop;
    private final Set<CallerImpl> pendingCalls = ConcurrentHashMap.newKeySet();
    private final Set<ScheduledFuture<?>> timers = ConcurrentHashMap.newKeySet();
    /** Events that wait for the connection to be free, in order; confined to the loop. */
    private final ArrayDeque<Runnable> postponed = new ArrayDeque<>();

    /** @param sharedGroup the group to take a loop from, or {@code null} for a thread of the connection's own */
    Mailbox(String name, EventLoopGroup sharedGroup) {
        this.name = name;
        if (sharedGroup != null) {
            this.ownedGroup = null;
            this.loop = sharedGroup.next();
        } else {
            this.ownedGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("pgrepl-" + name),
                    NioIoHandler.newFactory());
            this.loop = ownedGroup.next();
        }
    }

    EventLoop loop() {
        return loop;
    }

    /** Stops the connection's own thread (a shared group goes on); after {@link #close}. */
    void releaseLoop() {
        if (ownedGroup != null) {
            ownedGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        }
    }

    /** Runs {@code task} on the loop (thread-safe); false when the loop takes no more tasks. */
    boolean post(Runnable task) {
        try {
            loop.execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    /**
     * Runs {@code task} on the loop and waits for it, at most {@code timeout} (thread-safe, but not on the loop);
     * false when it ran longer. A loop that takes no more tasks, or an interrupt, ends the wait at once.
     */
    boolean runAndWait(Runnable task, Duration timeout) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (post(() -> {
            task.run();
            done.complete(null);
        })) {
            try {
                done.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                return false;
            }
        }
        return true;
    }

    /**
     * A call (thread-safe): {@code deliver} gets its {@link CallerImpl} on the loop; the future fails with a
     * {@link TimeoutException} when no reply comes within {@code timeout}, and with {@link #closedException}
     * when the loop takes no more tasks.
     */
    CompletableFuture<Object> call(Object request, Duration timeout, Consumer<CallerImpl> deliver) {
        CompletableFuture<Object> future = new CompletableFuture<>();
        CallerImpl caller = new CallerImpl(future);
        pendingCalls.add(caller);
        future.whenComplete((value, error) -> pendingCalls.remove(caller));
        if (!post(() -> deliver.accept(caller))) {
            future.completeExceptionally(closedException());
            return future;
        }
        try {
            ScheduledFuture<?> timer = loop.schedule(() -> future.completeExceptionally(new TimeoutException(
                    "call(" + request + ") got no reply within " + timeout
                            + ": the handler must reply through its Caller, now or later")),
                    timeout.toNanos(), TimeUnit.NANOSECONDS);
            future.whenComplete((value, error) -> timer.cancel(false));
        } catch (RejectedExecutionException e) {
            future.completeExceptionally(closedException());
        }
        return future;
    }

    /** A timer (thread-safe): {@code deliver} runs on the loop after {@code delay}, unless cancelled first. */
    Cancellable sendAfter(Duration delay, Runnable deliver) {
        ScheduledFuture<?>[] holder = new ScheduledFuture<?>[1];
        ScheduledFuture<?> timer;
        try {
            timer = loop.schedule(() -> {
                timers.remove(holder[0]);
                deliver.run();
            }, delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            return () -> false;
        }
        holder[0] = timer;
        timers.add(timer);
        if (timer.isDone()) {
            timers.remove(timer);
        }
        return () -> {
            timers.remove(timer);
            return timer.cancel(false);
        };
    }

    /** Keeps {@code event} for {@link #runPostponed}; on the loop. */
    void postpone(Runnable event) {
        postponed.add(event);
    }

    /** Runs the postponed events in order for as long as {@code free} says the connection is free; on the loop. */
    void runPostponed(BooleanSupplier free) {
        Runnable event;
        while (free.getAsBoolean() && (event = postponed.poll()) != null) {
            event.run();
        }
    }

    /** Fails every call still waiting for its reply. */
    void failCalls(ReplicationException error) {
        for (CallerImpl caller : pendingCalls.toArray(CallerImpl[]::new)) {
            caller.fail(error);
        }
    }

    /** The connection closes: timers are cancelled, postponed events dropped, and waiting calls failed. */
    void close() {
        for (ScheduledFuture<?> timer : timers) {
            timer.cancel(false);
        }
        timers.clear();
        postponed.clear();
        failCalls(closedException());
    }

    ReplicationException closedException() {
        return new ReplicationException("The replication connection '" + name + "' is closed");
    }
}
