package io.github.pgrepl.testsupport;

import io.netty.buffer.AbstractByteBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Fails a test class when Netty reports a leaked {@link ByteBuf} ("LEAK: ByteBuf.release() was not
 * called...") during it.
 *
 * <p>Registered for every test class through JUnit's extension auto-detection (see
 * META-INF/services and junit-platform.properties in this jar). Netty finds a leak only when a
 * garbage-collected buffer was never released, and reports it on a later allocation; so afterAll
 * collects garbage and allocates a few buffers before checking. Tests should run with
 * {@code -Dio.netty.leakDetection.level=paranoid} so that every buffer is tracked. (Netty also reports
 * only while ERROR is enabled for its logger io.netty.util.ResourceLeakDetector.)
 *
 * <p>Netty has no global leak hook: the listener goes on the detector all ByteBufs share,
 * {@code AbstractByteBuf.leakDetector}, reached by reflection.
 */
public final class NettyLeakDetection implements AfterAllCallback {

    private static final Queue<String> LEAKS = new ConcurrentLinkedQueue<>();
    private static final int GC_ROUNDS = 3;
    private static final long GC_WAIT_MILLIS = 2_000;
    private static boolean installed;

    /** Public and argument-less for ServiceLoader. */
    public NettyLeakDetection() {
        install();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        assertNoLeaks();
    }

    /** Throws an AssertionError listing the leaks Netty reported since the last check. */
    public static void assertNoLeaks() {
        List<String> leaks = collectLeaks();
        if (!leaks.isEmpty()) {
            throw new AssertionError(leaks.size() + " Netty ByteBuf leak(s) reported; the records show where"
                    + " each buffer was created and last accessed:\n\n" + String.join("\n\n", leaks));
        }
    }

    /** Makes Netty report the leaks it can find now, and returns (and forgets) all reported so far. */
    public static List<String> collectLeaks() {
        install();
        if (ResourceLeakDetector.isEnabled()) {
            for (int round = 0; round < GC_ROUNDS; round++) {
                awaitGarbageCollection();
                triggerLeakReports();
            }
        }
        List<String> leaks = new ArrayList<>();
        for (String leak; (leak = LEAKS.poll()) != null; ) {
            leaks.add(leak);
        }
        return leaks;
    }

    private static synchronized void install() {
        if (installed) {
            return;
        }
        leakDetector().setLeakListener((resourceType, records) ->
                LEAKS.add("LEAK: " + resourceType + ".release() was not called before it was garbage-collected."
                        + records));
        installed = true;
    }

    @SuppressWarnings("unchecked")
    private static ResourceLeakDetector<ByteBuf> leakDetector() {
        try {
            Field field = AbstractByteBuf.class.getDeclaredField("leakDetector");
            field.setAccessible(true);
            return (ResourceLeakDetector<ByteBuf>) field.get(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("Cannot hook into Netty's ByteBuf leak detector (field"
                    + " AbstractByteBuf.leakDetector); did the Netty version change?", e);
        }
    }

    /**
     * Runs a full GC and waits until the reference handler has enqueued a sentinel from it, so that
     * Netty's weak references to buffers collected in the same cycle are most likely enqueued too.
     */
    private static void awaitGarbageCollection() {
        ReferenceQueue<Object> queue = new ReferenceQueue<>();
        WeakReference<Object> sentinel = new WeakReference<>(new Object(), queue);
        System.gc();
        try {
            queue.remove(GC_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sentinel.clear();
    }

    /** Netty reports queued leaks when it tracks a new buffer, i.e. on allocation. */
    private static void triggerLeakReports() {
        for (ByteBufAllocator allocator : List.of(
                UnpooledByteBufAllocator.DEFAULT, PooledByteBufAllocator.DEFAULT, ByteBufAllocator.DEFAULT)) {
            allocator.heapBuffer(8).release();
            allocator.directBuffer(8).release();
        }
    }
}
