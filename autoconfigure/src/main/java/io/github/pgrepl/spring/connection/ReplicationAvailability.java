package io.github.pgrepl.spring.connection;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.AvailabilityState;
import org.springframework.boot.availability.LivenessState;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ApplicationListener;

/**
 * Ties connections that stopped for good to the application's availability, as each connection's
 * {@code availability} says: {@code readiness} makes the application refuse traffic until every such connection
 * streams again, {@code liveness} marks it broken (the platform restarts it). Spring Boot's own states (accepting
 * traffic once ready, correct once started) do not lift a stopped connection's.
 */
public class ReplicationAvailability implements ConnectionStateListener, ApplicationListener<AvailabilityChangeEvent<?>> {

    private static final Logger log = LoggerFactory.getLogger(ReplicationAvailability.class);

    private final ApplicationEventPublisher publisher;
    private final Set<String> refusingTraffic = ConcurrentHashMap.newKeySet();
    private final Set<String> broken = ConcurrentHashMap.newKeySet();

    public ReplicationAvailability(ReplicationConnectionRegistry registry, ApplicationEventPublisher publisher) {
        this.publisher = publisher;
        for (ManagedReplicationConnection connection : registry.connections()) {
            if (connection.settings().availability() != ConnectionAvailability.NONE) {
                connection.addStateListener(this);
            }
        }
    }

    @Override
    public void stopped(ManagedReplicationConnection connection, String reason) {
        switch (connection.settings().availability()) {
            case READINESS -> {
                refusingTraffic.add(connection.name());
                log.warn("Replication connection '{}' stopped ({}): the application refuses traffic until it streams again",
                        connection.name(), reason);
                publish(ReadinessState.REFUSING_TRAFFIC);
            }
            case LIVENESS -> {
                broken.add(connection.name());
                log.error("Replication connection '{}' stopped ({}): the application is marked broken", connection.name(),
                        reason);
                publish(LivenessState.BROKEN);
            }
            case NONE -> { }
        }
    }

    @Override
    public void resumed(ManagedReplicationConnection connection) {
        if (refusingTraffic.remove(connection.name()) && refusingTraffic.isEmpty()) {
            publish(ReadinessState.ACCEPTING_TRAFFIC);
        }
        if (broken.remove(connection.name()) && broken.isEmpty()) {
            publish(LivenessState.CORRECT);
        }
    }

    /**
     * A connection stopped before the application became ready (or started) keeps it refusing (or broken): answers
     * Spring Boot's own event, which the availability bean must have taken first (this bean is created after it).
     */
    @Override
    public void onApplicationEvent(AvailabilityChangeEvent<?> event) {
        if (event.getSource() == this) {
            return;
        }
        if (event.getState() == ReadinessState.ACCEPTING_TRAFFIC && !refusingTraffic.isEmpty()) {
            publish(ReadinessState.REFUSING_TRAFFIC);
        } else if (event.getState() == LivenessState.CORRECT && !broken.isEmpty()) {
            publish(LivenessState.BROKEN);
        }
    }

    private void publish(AvailabilityState state) {
        AvailabilityChangeEvent.publish(publisher, this, state);
    }
}
