package io.github.pgrepl.spring.connection;

/**
 * What a connection that stopped for good does to the application's availability (Spring Boot's
 * {@code LivenessState} and {@code ReadinessState}, which Kubernetes probes read): a connection stops for good when
 * its listeners' error handler stops it (until it is restarted) or a fatal error closes it.
 */
public enum ConnectionAvailability {

    /** Nothing: health shows the connection DOWN, the probes do not. */
    NONE,

    /** The application refuses traffic until the connection streams again. */
    READINESS,

    /** The application is broken: the platform restarts it. */
    LIVENESS
}
