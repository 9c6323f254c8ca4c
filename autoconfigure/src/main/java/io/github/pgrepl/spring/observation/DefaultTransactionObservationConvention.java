package io.github.pgrepl.spring.observation;

import io.github.pgrepl.spring.observation.ReplicationObservation.HighCardinalityKeys;
import io.github.pgrepl.spring.observation.ReplicationObservation.TransactionLowCardinalityKeys;
import io.micrometer.common.KeyValues;

/** {@code pgrepl.transaction}. */
public class DefaultTransactionObservationConvention implements TransactionObservationConvention {

    public static final DefaultTransactionObservationConvention INSTANCE = new DefaultTransactionObservationConvention();

    @Override
    public String getName() {
        return "pgrepl.transaction";
    }

    @Override
    public String getContextualName(TransactionObservationContext context) {
        return "pgrepl.transaction " + context.getConnection();
    }

    @Override
    public KeyValues getLowCardinalityKeyValues(TransactionObservationContext context) {
        return KeyValues.of(TransactionLowCardinalityKeys.CONNECTION.withValue(context.getConnection()),
                TransactionLowCardinalityKeys.OUTCOME.withValue(context.isFinished() ? "success" : "abandoned"));
    }

    @Override
    public KeyValues getHighCardinalityKeyValues(TransactionObservationContext context) {
        return KeyValues.of(HighCardinalityKeys.XID.withValue(Long.toString(context.getXid())),
                HighCardinalityKeys.LSN.withValue(context.getLsn() == null ? "none" : context.getLsn().toString()));
    }
}
