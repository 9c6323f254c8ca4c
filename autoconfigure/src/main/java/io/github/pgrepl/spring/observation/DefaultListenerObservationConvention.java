package io.github.pgrepl.spring.observation;

import io.github.pgrepl.spring.observation.ReplicationObservation.HighCardinalityKeys;
import io.github.pgrepl.spring.observation.ReplicationObservation.ListenerLowCardinalityKeys;
import io.micrometer.common.KeyValues;

/** {@code pgrepl.listener}, named after the listener in traces. */
public class DefaultListenerObservationConvention implements ListenerObservationConvention {

    public static final DefaultListenerObservationConvention INSTANCE = new DefaultListenerObservationConvention();

    @Override
    public String getName() {
        return "pgrepl.listener";
    }

    @Override
    public String getContextualName(ListenerObservationContext context) {
        return "pgrepl.listener " + context.getListener();
    }

    @Override
    public KeyValues getLowCardinalityKeyValues(ListenerObservationContext context) {
        return KeyValues.of(ListenerLowCardinalityKeys.CONNECTION.withValue(context.getConnection()),
                ListenerLowCardinalityKeys.LISTENER.withValue(context.getListener()),
                ListenerLowCardinalityKeys.TABLE.withValue(orNone(context.getTable())),
                ListenerLowCardinalityKeys.OPERATION.withValue(context.getOperation()),
                ListenerLowCardinalityKeys.OUTCOME.withValue(context.getError() == null ? "success" : "failure"));
    }

    @Override
    public KeyValues getHighCardinalityKeyValues(ListenerObservationContext context) {
        return KeyValues.of(HighCardinalityKeys.XID.withValue(Long.toString(context.getXid())),
                HighCardinalityKeys.LSN.withValue(context.getLsn() == null ? ListenerObservationContext.NONE
                        : context.getLsn().toString()));
    }

    private static String orNone(String value) {
        return value == null ? ListenerObservationContext.NONE : value;
    }
}
