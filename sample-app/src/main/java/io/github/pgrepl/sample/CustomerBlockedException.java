package io.github.pgrepl.sample;

/**
 * A new order of a blocked customer, refused. Retrying cannot change that, so {@code application.yml} lists it under
 * {@code listener.not-retryable-exceptions}: the change goes to the dead-letter table at once.
 */
public class CustomerBlockedException extends RuntimeException {

    public CustomerBlockedException(String customer, Long order) {
        super("Customer " + customer + " is blocked: order " + order + " refused");
    }
}
