package io.github.pgrepl.spring.observation;

import io.micrometer.common.docs.KeyName;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;
import io.micrometer.observation.docs.ObservationDocumentation;

/**
 * pgrepl's observations: what Micrometer's metrics and tracing (Brave or OpenTelemetry bridges) see of the listeners.
 * With Spring Boot's observation support and a {@code MeterRegistry}, each also makes a timer of its name, tagged with
 * its low cardinality keys.
 */
public enum ReplicationObservation implements ObservationDocumentation {

    /**
     * One call of one listener with one change (an attempt: a retried change makes one observation per attempt), the
     * child of its transaction's.
     */
    LISTENER {
        @Override
        public Class<? extends ObservationConvention<? extends Observation.Context>> getDefaultConvention() {
            return DefaultListenerObservationConvention.class;
        }

        @Override
        public KeyName[] getLowCardinalityKeyNames() {
            return ListenerLowCardinalityKeys.values();
        }

        @Override
        public KeyName[] getHighCardinalityKeyNames() {
            return HighCardinalityKeys.values();
        }
    },

    /** One transaction, from its {@code Begin} until the listeners returned from its {@code Commit}. */
    TRANSACTION {
        @Override
        public Class<? extends ObservationConvention<? extends Observation.Context>> getDefaultConvention() {
            return DefaultTransactionObservationConvention.class;
        }

        @Override
        public KeyName[] getLowCardinalityKeyNames() {
            return TransactionLowCardinalityKeys.values();
        }

        @Override
        public KeyName[] getHighCardinalityKeyNames() {
            return HighCardinalityKeys.values();
        }
    };

    /** Tags of {@link #LISTENER} with few values. */
    public enum ListenerLowCardinalityKeys implements KeyName {

        /** The connection's name. */
        CONNECTION {
            @Override
            public String asString() {
                return "connection";
            }
        },

        /** The listener's id ({@code <bean>.<method>} by default), or the bean of a bean-level listener. */
        LISTENER {
            @Override
            public String asString() {
                return "listener";
            }
        },

        /** {@code schema.table} of the change, or {@code none}. */
        TABLE {
            @Override
            public String asString() {
                return "table";
            }
        },

        /**
         * {@code insert}, {@code update}, {@code delete}, {@code truncate}; {@code transaction} for a transaction
         * listener; the event's kind ({@code begin}, {@code commit}, {@code relation}...) for a raw event.
         */
        OPERATION {
            @Override
            public String asString() {
                return "operation";
            }
        },

        /** {@code success}, or {@code failure} when the listener threw. */
        OUTCOME {
            @Override
            public String asString() {
                return "outcome";
            }
        }
    }

    /** Tags of {@link #TRANSACTION} with few values. */
    public enum TransactionLowCardinalityKeys implements KeyName {

        /** The connection's name. */
        CONNECTION {
            @Override
            public String asString() {
                return "connection";
            }
        },

        /**
         * {@code success} once the listeners returned from its commit; {@code abandoned} when it was not finished (the
         * connection closed, or was lost and the transaction is delivered again).
         */
        OUTCOME {
            @Override
            public String asString() {
                return "outcome";
            }
        }
    }

    /** Tags with as many values as transactions: for traces, never for metrics. */
    public enum HighCardinalityKeys implements KeyName {

        /** The transaction's id. */
        XID {
            @Override
            public String asString() {
                return "xid";
            }
        },

        /** The position of the transaction's commit ({@code 16/B374D848}). */
        LSN {
            @Override
            public String asString() {
                return "lsn";
            }
        }
    }
}
