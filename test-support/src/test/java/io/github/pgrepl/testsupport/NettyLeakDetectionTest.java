package io.github.pgrepl.testsupport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * Leaks buffers on purpose and checks that the detection reports them. Each test consumes the leaks
 * it causes, so that the auto-registered NettyLeakDetection does not fail this class afterwards.
 */
class NettyLeakDetectionTest {

    private ResourceLeakDetector.Level previousLevel;

    @BeforeEach
    void trackEveryBuffer() {
        // The build sets paranoid already; this keeps the test meaningful when run from an IDE.
        previousLevel = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        NettyLeakDetection.collectLeaks(); // start from a clean slate
    }

    @AfterEach
    void restoreLevel() {
        ResourceLeakDetector.setLevel(previousLevel);
    }

    @Test
    void reportsAnUnpooledBufferThatWasNeverReleased() {
        leakUnpooledBuffer();

        assertThat(NettyLeakDetection.collectLeaks())
                .singleElement()
                .asString()
                .startsWith("LEAK: ByteBuf.release() was not called")
                .contains("leakUnpooledBuffer");
        assertThat(NettyLeakDetection.collectLeaks()).as("reported once").isEmpty();
    }

    @Test
    void assertNoLeaksFailsOnAPooledBufferThatWasNeverReleased() {
        leakPooledBuffer();

        assertThatThrownBy(NettyLeakDetection::assertNoLeaks)
                .isInstanceOf(AssertionError.class)
                .hasMessageStartingWith("1 Netty ByteBuf leak(s) reported")
                .hasMessageContaining("leakPooledBuffer");
    }

    @Test
    void releasedBuffersAreNoLeak() {
        ByteBuf buffer = Unpooled.buffer(16).writeLong(42);
        buffer.release();

        assertThatCode(NettyLeakDetection::assertNoLeaks).doesNotThrowAnyException();
    }

    @Test
    void failsATestClassThatLeaksWhenRunByJUnit() {
        // Runs LeakingTests the way surefire does, so this covers the auto-registration through
        // META-INF/services and junit-platform.properties too.
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        LeakingTests.enabled = true;
        try {
            LauncherFactory.create().execute(
                    LauncherDiscoveryRequestBuilder.request().selectors(selectClass(LeakingTests.class)).build(), listener);
        } finally {
            LeakingTests.enabled = false;
        }

        TestExecutionSummary summary = listener.getSummary();
        assertThat(summary.getTestsSucceededCount()).as("the leaking test itself passes").isEqualTo(1);
        assertThat(summary.getFailures()).singleElement().satisfies(failure -> {
            assertThat(failure.getTestIdentifier().isContainer()).as("the class fails").isTrue();
            assertThat(failure.getException())
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("LEAK: ByteBuf.release() was not called")
                    .hasMessageContaining("LeakingTests.dropsABuffer");
        });
    }

    /** Not run by surefire (a nested class) nor by IDEs (disabled unless launched by the test above). */
    @EnabledIf("isEnabled")
    static class LeakingTests {

        static volatile boolean enabled;

        static boolean isEnabled() {
            return enabled;
        }

        @Test
        void dropsABuffer() {
            leakUnpooledBuffer();
        }
    }

    // Separate methods, so that no local variable keeps the buffers reachable.
    private static void leakUnpooledBuffer() {
        // Direct: Netty does not track unpooled heap buffers, which the GC reclaims anyway.
        Unpooled.directBuffer(16).writeLong(42);
    }

    private static void leakPooledBuffer() {
        PooledByteBufAllocator.DEFAULT.directBuffer(16).writeLong(42);
    }
}
