package io.github.pgrepl.spring.connection;

/**
 * A {@code pgrepl.*} (or {@code spring.datasource.*}) property that cannot work, with what to do about it. Messages
 * never contain a password: URLs in them are masked.
 */
public class InvalidReplicationPropertyException extends RuntimeException {

    private final String property;
    private final String problem;
    private final String action;

    public InvalidReplicationPropertyException(String property, String problem, String action) {
        super(property + ": " + problem);
        this.property = property;
        this.problem = problem;
        this.action = action;
    }

    /** The full property name, e.g. {@code pgrepl.connections.orders.slot}. */
    public String getProperty() {
        return property;
    }

    public String getProblem() {
        return problem;
    }

    /** How to fix it. */
    public String getAction() {
        return action;
    }
}
