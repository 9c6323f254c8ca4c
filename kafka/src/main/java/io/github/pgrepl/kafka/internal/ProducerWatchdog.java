package io.github.pgrepl.kafka.internal;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * Looks at a relay's producer on a thread of its own, every quarter of the ack timeout, and replaces one that is stuck:
 * one that for a whole ack timeout acknowledged nothing while it retried the records it holds. After the broker refused
 * or split a batch, Kafka's idempotent producer can retry the partition's later batches (the broker answers {@code
 * OUT_OF_ORDER_SEQUENCE_NUMBER}) for as long as {@code delivery.timeout.ms}, which the relay leaves unbounded. Closing it
 * ({@code ProducerFactory.reset()}) fails what it holds, so that the relay sends it again, in order, from a new producer
 * with fresh sequence numbers. A broker that is away does not answer, so the producer does not retry: it is waited for.
 *
 * <p>On each look it first lets the relay send failed records again while its listener thread is idle ({@code idle}):
 * the next change may be long in coming, and until they are on the broker nothing after them is confirmed.
 */
public final class ProducerWatchdog implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ProducerWatchdog.class);

    private final String connection;
    private final InFlightWindow window;
    private final KafkaTemplate<byte[], byte[]> template;
    private final long ackTimeoutNanos;
    private final Runnable idle;
    private final ScheduledExecutorService thread;

    // The watchdog thread's: when it first looked at the producer in this stall, and the producer's retries then.
    private long stallSampledAt;
    private long retriesAtSample;

    /**
     * @param idle sends failed records again when the relay's listener thread is not relaying (the relay decides)
     */
    public ProducerWatchdog(String connection, InFlightWindow window, KafkaTemplate<byte[], byte[]> template,
                            Duration ackTimeout, Runnable idle) {
        this.connection = connection;
        this.window = window;
        this.template = template;
        this.ackTimeoutNanos = ackTimeout.toNanos();
        this.idle = idle;
        this.thread = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread watchdog = new Thread(task, "pgrepl-kafka-watchdog-" + connection);
            watchdog.setDaemon(true);
            return watchdog;
        });
        long period = Math.max(TimeUnit.MILLISECONDS.toNanos(50), ackTimeoutNanos / 4);
        thread.scheduleWithFixedDelay(this::look, period, period, TimeUnit.NANOSECONDS);
    }

    void look() {
        try {
            idle.run();
            long stalled = window.stalledNanos();
            if (stalled == 0) {
                stallSampledAt = 0; // nothing in flight
                return;
            }
            long now = System.nanoTime();
            long retries = producerRetries();
            if (retries < 0) {
                return;
            }
            if (stallSampledAt == 0 || now - stallSampledAt > stalled) {
                // The first look since the last acknowledgement: the retries from here on are this stall's. Sampled at
                // its start (within a look), so that a stuck producer is replaced an ack timeout into it, not two.
                stallSampledAt = now;
                retriesAtSample = retries;
                return;
            }
            if (stalled < ackTimeoutNanos || retries <= retriesAtSample) {
                return;
            }
            log.warn("[{}] {} record(s) unacknowledged for {} ms while the producer retried them {} times: closing it, and"
                    + " sending them again, in order, from a new one", connection, window.outstanding(),
                    TimeUnit.NANOSECONDS.toMillis(stalled), retries - retriesAtSample);
            stallSampledAt = 0;
            template.getProducerFactory().reset();
            idle.run();
        } catch (RuntimeException e) {
            log.warn("[{}] Could not look at the Kafka producer: {}", connection, e.toString());
        }
    }

    /** The producer's {@code record-retry-total}, or -1 when its metrics do not say. */
    private long producerRetries() {
        for (Map.Entry<MetricName, ? extends Metric> metric : template.metrics().entrySet()) {
            if ("record-retry-total".equals(metric.getKey().name()) && "producer-metrics".equals(metric.getKey().group())
                    && metric.getValue().metricValue() instanceof Number total) {
                return total.longValue();
            }
        }
        return -1;
    }

    /** Stops looking; a look under way finishes. */
    @Override
    public void close() {
        thread.shutdownNow();
    }
}
