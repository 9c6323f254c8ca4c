package io.github.pgrepl.kafka;

/**
 * The broker did not take a change's records: they stay unconfirmed (and, for records already sent, are sent again), and
 * the connection's error handler sees the relay fail on the change in hand.
 */
public class KafkaRelayException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public KafkaRelayException(String message, Throwable cause) {
        super(message, cause);
    }
}
