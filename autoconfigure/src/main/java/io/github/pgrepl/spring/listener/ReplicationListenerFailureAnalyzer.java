package io.github.pgrepl.spring.listener;

import java.util.stream.Collectors;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Lists every listener/connection problem of a {@link ReplicationListenerBindingException} with its fix. */
class ReplicationListenerFailureAnalyzer extends AbstractFailureAnalyzer<ReplicationListenerBindingException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, ReplicationListenerBindingException cause) {
        String description = cause.getProblems().stream().map(problem -> "- " + problem.description())
                .collect(Collectors.joining(System.lineSeparator(),
                        "Replication connections and their @ReplicationListeners do not fit together:"
                                + System.lineSeparator(), ""));
        String action = cause.getProblems().stream().map(problem -> "- " + problem.action()).distinct()
                .collect(Collectors.joining(System.lineSeparator()));
        return new FailureAnalysis(description, action, cause);
    }
}
