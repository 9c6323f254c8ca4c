package io.github.pgrepl.spring.connection;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Explains an {@link InvalidReplicationPropertyException}: which property, what is wrong, how to fix it. */
class InvalidReplicationPropertyFailureAnalyzer extends AbstractFailureAnalyzer<InvalidReplicationPropertyException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, InvalidReplicationPropertyException cause) {
        String description = "The replication property '" + cause.getProperty() + "' is invalid: " + cause.getProblem();
        return new FailureAnalysis(description, cause.getAction(), cause);
    }
}
