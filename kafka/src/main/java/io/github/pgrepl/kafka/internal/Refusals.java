package io.github.pgrepl.kafka.internal;

import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;

/**
 * What an operator does about a record the broker refuses for good: retrying alone never gets it through, so the
 * relay's messages and health name the fix next to the cause.
 */
public final class Refusals {

    private Refusals() {
    }

    /**
     * The fix for {@code error}, as a sentence that begins with a space; empty when the error names none.
     *
     * @param topic the refused record's topic, or {@code null} when not known
     * @param connection the relay's connection, to name its properties
     */
    public static String fix(Throwable error, String topic, String connection) {
        String where = topic == null ? "the record's topic" : "topic " + topic;
        if (error instanceof RecordTooLargeException || error instanceof RecordBatchTooLargeException) {
            return " Fix: raise max.message.bytes of " + where + " (or the broker's message.max.bytes, for topics without"
                    + " their own) above the record's size; a record over the producer's max.request.size (1 MB by default)"
                    + " also needs spring.kafka.producer.properties.max.request.size raised.";
        }
        if (error instanceof TopicAuthorizationException) {
            return " Fix: grant the producer's principal WRITE on " + where + ".";
        }
        if (error instanceof TransactionalIdAuthorizationException) {
            return " Fix: grant the producer's principal WRITE on the transactional ids that begin with the value of"
                    + " pgrepl.connections." + connection + ".kafka.transaction-id-prefix (by default pgrepl-" + connection + "-).";
        }
        return "";
    }
}
