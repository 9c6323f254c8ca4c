package io.github.pgrepl.spring.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/** The names and tags of {@link ReplicationObservation#TRANSACTION} observations; register a global one to change them. */
public interface TransactionObservationConvention extends ObservationConvention<TransactionObservationContext> {

    @Override
    default boolean supportsContext(Observation.Context context) {
        return context instanceof TransactionObservationContext;
    }
}
